package dev.larkhandoff.store;

import java.nio.file.Path;
import java.time.Clock;

/** The databases the store runs on, for tests that run once on each (see {@link StoreBackends}). */
public enum StoreBackend {
    /** {@code <home>/lark-handoff.db}, as a daemon on its own uses it. */
    SQLITE {
        @Override
        public Store open(Path home, Clock clock) {
            return Store.open(home, clock);
        }
    },
    /** A database of the test JVM's PostgreSQL server, one per home (see {@link TestPostgres}). */
    POSTGRESQL {
        @Override
        public Store open(Path home, Clock clock) {
            return Store.open(TestPostgres.database(home), clock);
        }
    };

    /** Opens the store of this home; opened again with the same home, it is the same store. */
    public abstract Store open(Path home, Clock clock);
}
