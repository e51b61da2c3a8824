package dev.larkhandoff.store;

/** The one error type of the store: a database that cannot be opened, used or trusted, with what to do about it. */
public class StoreException extends RuntimeException {

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
