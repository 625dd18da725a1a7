package io.pgactive.tools.workflow.upgrade.aws;

import io.pgactive.tools.workflow.upgrade.UpgradeException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/** RDS errors as {@link UpgradeException}s: the error code and RDS's message, which never carry a password. */
public final class RdsFailures {

    static final String NOT_FOUND = "DBInstanceNotFound";
    static final String ALREADY_EXISTS = "DBInstanceAlreadyExists";
    static final String INVALID_STATE = "InvalidDBInstanceState";
    static final String GROUP_EXISTS = "DBParameterGroupAlreadyExists";

    private RdsFailures() {}

    /** The AWS error code, or empty for a failure that never got an answer. */
    public static String code(SdkException e) {
        if (e instanceof AwsServiceException s && s.awsErrorDetails() != null) {
            String code = s.awsErrorDetails().errorCode();
            return code == null ? "" : code;
        }
        return "";
    }

    /**
     * {@code action} failed. Worth a retry when RDS did not answer, answered 5xx, throttled after the SDK's own
     * retries, or the instance was in a state that passes (modifying, rebooting).
     */
    public static UpgradeException of(String action, SdkException e) {
        String code = code(e);
        boolean retryable = e instanceof SdkClientException
                || e.retryable()
                || code.equals(INVALID_STATE)
                || code.startsWith("Throttl")
                || (e instanceof AwsServiceException s && s.statusCode() >= 500);
        String message = e instanceof AwsServiceException s && s.awsErrorDetails() != null
                ? s.awsErrorDetails().errorMessage()
                : e.getMessage();
        return new UpgradeException(action + " failed: " + (code.isEmpty() ? "" : code + ": ") + message, retryable, e);
    }
}
