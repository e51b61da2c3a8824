package dev.larkhandoff.store;

/**
 * Tells the other processes sharing a store that it changed in a way their waits care about (a row was stored, a
 * chat bound or taken over, the channel moved), so they look again at once instead of on a timer. On one machine's
 * SQLite store there is nobody else to tell ({@link #NONE}); on PostgreSQL it is {@code NOTIFY} and {@code LISTEN}.
 * A signal carries no data: whoever hears it reads the store.
 */
public interface ChangeSignals extends AutoCloseable {

    /** A store nobody else shares. */
    ChangeSignals NONE = new ChangeSignals() {
        @Override
        public void announce() {}

        @Override
        public void listen(Runnable onChange) {}

        @Override
        public void close() {}
    };

    /** Tells every other listener of this store that it changed; never throws (a lost signal is a later poll's). */
    void announce();

    /**
     * Starts listening: {@code onChange} runs, on the listener's own thread, for each announcement made by another
     * process, and once more whenever listening resumes after the connection was lost (announcements made meanwhile
     * were missed). Call it once.
     */
    void listen(Runnable onChange);

    @Override
    void close();
}
