package io.pgactive.tools.sdk;

/** Every failure of {@link ReplicationStateClient}: catch this to handle them all, or a subclass to tell them apart. */
public abstract class SdkException extends RuntimeException {

    SdkException(String message, Throwable cause) {
        super(message, cause);
    }
}
