package io.pgactive.tools.sdk;

/** The service answered something this client cannot read: not JSON, or JSON of another shape. Likely not this service. */
public final class ProtocolException extends SdkException {

    ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
