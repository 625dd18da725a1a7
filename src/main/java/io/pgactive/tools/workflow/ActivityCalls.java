package io.pgactive.tools.workflow;

import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.temporal.failure.ApplicationFailure;
import java.util.function.Supplier;

/** What the workflows' activities share when they call their ports and wait between polls. */
public final class ActivityCalls {

    private ActivityCalls() {}

    /**
     * Runs a port call; its {@link UpgradeException} becomes a failure of {@code failureType}, retried only when the
     * port says a retry can help.
     */
    public static <T> T port(String failureType, Supplier<T> call) {
        try {
            return call.get();
        } catch (UpgradeException e) {
            throw e.retryable()
                    ? ApplicationFailure.newFailure(e.getMessage(), failureType)
                    : ApplicationFailure.newNonRetryableFailure(e.getMessage(), failureType);
        }
    }

    /** Waits between polls; an interrupt (the worker shutting down) fails the attempt so that it is retried. */
    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApplicationFailure.newFailure("interrupted", "Interrupted");
        }
    }
}
