package io.pgactive.tools.store;

/** A history database operation failed; the message is safe to show (it never carries connection secrets). */
public class StoreException extends RuntimeException {

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
