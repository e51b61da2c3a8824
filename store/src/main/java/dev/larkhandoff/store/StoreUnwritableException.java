package dev.larkhandoff.store;

/** A write the disk refused (full, read-only, immutable, I/O error): nothing was written, the data is intact. */
public final class StoreUnwritableException extends StoreException {

    private final String problem;

    public StoreUnwritableException(String message, String problem, Throwable cause) {
        super(message, cause);
        this.problem = problem;
    }

    /** Why, in a few words with SQLite's code: "the disk is full (SQLITE_FULL)". */
    public String problem() {
        return problem;
    }
}
