package io.pgactive.tools.sdk;

/** No answer from the service: connection refused, unknown host, or no reply within the timeout. */
public final class ServiceUnreachableException extends SdkException {

    private final boolean timedOut;

    ServiceUnreachableException(String message, boolean timedOut, Throwable cause) {
        super(message, cause);
        this.timedOut = timedOut;
    }

    /** The service accepted the connection (or the connect attempt) but did not answer in time. */
    public boolean timedOut() {
        return timedOut;
    }
}
