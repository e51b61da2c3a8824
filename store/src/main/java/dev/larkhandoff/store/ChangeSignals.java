package dev.larkhandoff.store;

import java.util.function.Consumer;

/**
 * Tells the other processes sharing a store that it changed in a way their waits care about (a row was stored, a
 * chat bound or taken over, the channel moved, a session came or went), so they look again at once instead of on a
 * timer. On one machine's SQLite store there is nobody else to tell ({@link #NONE}); on PostgreSQL it is
 * {@code NOTIFY} and {@code LISTEN}. A signal carries only what kind of change it was: whoever hears it reads the
 * store.
 */
public interface ChangeSignals extends AutoCloseable {

    /**
     * What changed, so a listener reads no more than it must: the hot path (an inbound row stored, hundreds a second)
     * needs the pending rows read again, not the team's sessions as well.
     */
    enum Change {
        /** Only rows were stored or settled: who serves which session is as it was. */
        ROWS,
        /** Anything else (a session came or went, the channel moved, a binding changed), or not known. */
        ANY;

        /** The change that covers both: ANY wins. */
        public Change and(Change other) {
            return this == ANY || other == ANY ? ANY : ROWS;
        }
    }

    /** A store nobody else shares. */
    ChangeSignals NONE = new ChangeSignals() {
        @Override
        public void announce(Change what) {}

        @Override
        public void listen(Consumer<Change> onChange) {}

        @Override
        public void close() {}
    };

    /** Tells every other listener of this store that it changed; never throws (a lost signal is a later poll's). */
    void announce(Change what);

    /** {@link #announce(Change)} of a change of any kind. */
    default void announce() {
        announce(Change.ANY);
    }

    /**
     * Starts listening: {@code onChange} runs, on the listener's own thread, for each batch of announcements made by
     * other processes (with the widest kind among them), and once more with {@link Change#ANY} whenever listening
     * resumes after the connection was lost (announcements made meanwhile were missed). Call it once.
     */
    void listen(Consumer<Change> onChange);

    @Override
    void close();
}
