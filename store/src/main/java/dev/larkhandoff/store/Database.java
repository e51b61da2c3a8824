package dev.larkhandoff.store;

import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;

/**
 * The store's database and its transactions: a SQLite file ({@link SqliteDatabase}) or a PostgreSQL database
 * shared by several daemons ({@link PostgresDatabase}). Repositories run each of their methods as one
 * {@link #write} or {@link #read}, with the same jOOQ queries on both; a write that reads before it writes takes
 * the locks of {@link Locks} first, so that it stays correct when other processes write at the same time.
 */
public abstract sealed class Database implements AutoCloseable permits SqliteDatabase, PostgresDatabase {

    private final Clock clock;
    private volatile StoreHealth health = StoreHealth.WRITABLE;

    Database(Clock clock) {
        this.clock = clock;
    }

    /**
     * Opens (creating if absent) and migrates the database at {@code file}. Never recreates an existing one, and
     * leaves a file it refuses (not SQLite, damaged, newer than this program) byte for byte as it found it.
     */
    static Database open(Path file, Clock clock) {
        return SqliteDatabase.open(file, clock);
    }

    /** Opens and migrates the database at {@code location}; refuses one newer than this program, unchanged. */
    static Database open(StoreLocation location, Clock clock) {
        if (location instanceof StoreLocation.Postgres pg) {
            return PostgresDatabase.open(pg, clock);
        }
        return SqliteDatabase.open(((StoreLocation.SqliteFile) location).file(), clock);
    }

    /** Where this database is. */
    public abstract StoreLocation location();

    /** The jOOQ dialect the repositories' queries are rendered in. */
    public abstract SQLDialect dialect();

    /**
     * The SQLite file.
     *
     * @throws UnsupportedOperationException for a PostgreSQL store, which has no file here: see {@link #location}
     */
    public Path file() {
        if (location() instanceof StoreLocation.SqliteFile f) {
            return f.file();
        }
        throw new UnsupportedOperationException("the store " + location() + " is a PostgreSQL database, not a file");
    }

    public abstract int schemaVersion();

    /**
     * Runs {@code work} in one write transaction: {@code BEGIN IMMEDIATE} on SQLite (one writer at a time), READ
     * COMMITTED on PostgreSQL, where {@code work} takes the {@link Locks} of what it reads before it writes. On
     * PostgreSQL {@code work} may run more than once (after a deadlock, or on a fresh connection when the old one
     * was lost before the commit), so it must do nothing but read and write through its context.
     *
     * @throws StoreUnwritableException when the database refuses the write (disk full or read-only, server gone)
     */
    public abstract <T> T write(Function<DSLContext, T> work);

    /** Runs {@code work} in one read transaction (a consistent snapshot). */
    public abstract <T> T read(Function<DSLContext, T> work);

    /** Whether the last write went through, and if not since when and why. */
    public StoreHealth health() {
        return health;
    }

    /**
     * Tries one small real write (a row in {@code settings}) so that a store marked unwritable learns that the
     * database takes writes again without waiting for the next event; returns the health after it.
     */
    public StoreHealth probeWrite() {
        long now = clock.millis();
        try {
            write(ctx -> ctx.execute(
                    "INSERT INTO settings (key, value, updated_at) VALUES ('store_probe', ?, ?)"
                            + " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    String.valueOf(now),
                    now));
        } catch (StoreException e) {
            // health() says what went wrong
        }
        return health;
    }

    /** A write was refused: the store is unwritable from now (or from its first refusal) until a write succeeds. */
    final void refused(StoreUnwritableException e) {
        if (health.writable()) {
            health = new StoreHealth(clock.instant(), e.problem());
        }
    }

    /** A write went through. */
    final void wrote() {
        if (!health.writable()) {
            health = StoreHealth.WRITABLE;
        }
    }

    static Settings settings() {
        return new Settings().withExecuteLogging(false).withRenderSchema(false);
    }

    @Override
    public abstract void close();
}
