package dev.larkhandoff.store;

import dev.larkhandoff.store.schema.SchemaMigrator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL database shared by several daemons, through a few connections of this process's own (a fixed
 * number, opened when first needed). Writes run at READ COMMITTED: each repository method takes the {@link Locks}
 * of what it reads before it writes, so concurrent writers in other processes queue on those rows instead of
 * failing. A transaction that still loses (a deadlock, a serialization failure) is run again, a few times.
 *
 * <p>A connection that fails (the server restarted, the network dropped) is closed, never handed out again, and
 * so are the idle ones opened before it; the transaction then runs once more on a new connection, which is safe
 * because PostgreSQL rolls back whatever a lost connection had not committed. Only a connection lost during the
 * commit itself leaves the outcome unknown: that is reported, not retried. While the server cannot be reached,
 * every call fails with a {@link StoreException} naming {@code host:port/database} (writes with a
 * {@link StoreUnwritableException}, which {@link #health} reports); the first call after it is back succeeds.
 */
final class PostgresDatabase extends Database {

    private static final Logger log = LoggerFactory.getLogger(PostgresDatabase.class);

    /** Connections per process: a daemon's handful of writers share them; more would only queue in the server. */
    static final int CONNECTIONS = 8;

    /** Runs of one transaction that deadlocked or failed to serialize before the error is the caller's. */
    private static final int ATTEMPTS = 10;

    private static final int CONNECT_TIMEOUT_SECONDS = 10;

    private final StoreLocation.Postgres location;
    private final Properties properties;
    private final Semaphore permits = new Semaphore(CONNECTIONS, true);
    private final Deque<Pooled> idle = new ArrayDeque<>();
    private final int schemaVersion;
    private volatile boolean closed;
    /** How many connections were ever opened; guarded by {@code idle}. */
    private long opened;

    /**
     * A connection and the jOOQ context bound to it. {@code generation} orders it among connections opened;
     * {@code readOnly} is the kind of transaction it is set up for (guarded by the pool: one user at a time).
     */
    private static final class Pooled {
        private final Connection jdbc;
        private final DSLContext ctx;
        private final long generation;
        private boolean readOnly;

        Pooled(Connection jdbc, DSLContext ctx, long generation) {
            this.jdbc = jdbc;
            this.ctx = ctx;
            this.generation = generation;
        }

        Connection jdbc() {
            return jdbc;
        }

        DSLContext ctx() {
            return ctx;
        }

        long generation() {
            return generation;
        }

        /**
         * Sets the connection up for the kind of transaction asked for, once, as session characteristics: a read
         * is one snapshot for every query of its work (REPEATABLE READ, READ ONLY), a write READ COMMITTED. Set per
         * session rather than per transaction, a read costs no round trip more than its queries and commit.
         */
        void prepareFor(boolean readOnlyTransaction) throws SQLException {
            if (readOnly == readOnlyTransaction) {
                return;
            }
            jdbc.setTransactionIsolation(
                    readOnlyTransaction
                            ? Connection.TRANSACTION_REPEATABLE_READ
                            : Connection.TRANSACTION_READ_COMMITTED);
            jdbc.setReadOnly(readOnlyTransaction);
            readOnly = readOnlyTransaction;
        }
    }

    private PostgresDatabase(StoreLocation.Postgres location, Clock clock) {
        super(clock);
        this.location = location;
        this.properties = properties(location);
        Pooled first = connect();
        try {
            this.schemaVersion = migrate(first.jdbc());
        } catch (RuntimeException e) {
            closeQuietly(first.jdbc());
            throw e;
        }
        idle.push(first);
    }

    static PostgresDatabase open(StoreLocation.Postgres location, Clock clock) {
        return new PostgresDatabase(location, clock);
    }

    @Override
    public StoreLocation location() {
        return location;
    }

    @Override
    public SQLDialect dialect() {
        return SQLDialect.POSTGRES;
    }

    @Override
    public int schemaVersion() {
        return schemaVersion;
    }

    @Override
    public <T> T write(Function<DSLContext, T> work) {
        try {
            T result = transaction(work, false);
            wrote();
            return result;
        } catch (StoreUnwritableException e) {
            refused(e);
            throw e;
        }
    }

    @Override
    public <T> T read(Function<DSLContext, T> work) {
        return transaction(work, true);
    }

    private <T> T transaction(Function<DSLContext, T> work, boolean readOnly) {
        permits.acquireUninterruptibly();
        try {
            boolean reconnected = false;
            for (int attempt = 1; ; attempt++) {
                Pooled c = borrow(readOnly);
                boolean committing = false;
                boolean keep = false;
                try {
                    c.prepareFor(readOnly);
                    T result = work.apply(c.ctx());
                    committing = true;
                    c.jdbc().commit();
                    keep = true;
                    return result;
                } catch (RuntimeException | SQLException | Error e) {
                    String state = sqlState(e);
                    if (isConnectionLoss(state, c.jdbc())) {
                        forgetOlderThan(c.generation());
                        if (committing) {
                            throw unreachable(
                                    "the connection was lost during the commit, so this write may or may not have"
                                            + " been applied",
                                    readOnly,
                                    e);
                        }
                        if (!reconnected) {
                            // Whatever the lost connection had begun was rolled back by the server: run it anew.
                            reconnected = true;
                            continue;
                        }
                        throw unreachable(rootMessage(e), readOnly, e);
                    }
                    keep = rollback(c, e);
                    if (("40001".equals(state) || "40P01".equals(state)) && attempt < ATTEMPTS) {
                        backOff(attempt);
                        continue;
                    }
                    throw translate(e, readOnly);
                } finally {
                    giveBack(c, keep);
                }
            }
        } finally {
            permits.release();
        }
    }

    private Pooled borrow(boolean readOnly) {
        synchronized (idle) {
            if (closed) {
                throw new StoreException("the store " + location + " is closed");
            }
            // One set up for this kind of transaction if there is one; any other is switched over.
            for (java.util.Iterator<Pooled> it = idle.iterator(); it.hasNext(); ) {
                Pooled c = it.next();
                if (c.readOnly == readOnly) {
                    it.remove();
                    return c;
                }
            }
            Pooled c = idle.poll();
            if (c != null) {
                return c;
            }
        }
        try {
            return connect();
        } catch (StoreException e) {
            if (e.getCause() instanceof SQLException sql && isConnectionLoss(sql.getSQLState(), null)) {
                throw unreachable(rootMessage(sql), readOnly, sql);
            }
            throw e;
        }
    }

    private void giveBack(Pooled c, boolean keep) {
        synchronized (idle) {
            if (keep && !closed) {
                idle.push(c);
                return;
            }
        }
        closeQuietly(c.jdbc());
    }

    /**
     * Closes the idle connections opened before a connection that failed: they went through the same server and
     * network and are most likely dead too. Newer ones were opened after the failure happened and are kept.
     */
    private void forgetOlderThan(long generation) {
        synchronized (idle) {
            idle.removeIf(p -> {
                if (p.generation() <= generation) {
                    closeQuietly(p.jdbc());
                    return true;
                }
                return false;
            });
        }
    }

    /**
     * A connection of its own, outside the pool, in autocommit (for {@code LISTEN}, which holds its connection for
     * as long as it listens). The caller closes it.
     */
    Connection dedicated() throws SQLException {
        Connection c = DriverManager.getConnection(location.jdbcUrl(), properties);
        c.setAutoCommit(true);
        return c;
    }

    private Pooled connect() {
        try {
            Connection c = DriverManager.getConnection(location.jdbcUrl(), properties);
            try {
                c.setAutoCommit(false);
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            } catch (SQLException e) {
                closeQuietly(c);
                throw e;
            }
            long generation;
            synchronized (idle) {
                generation = ++opened;
            }
            return new Pooled(c, DSL.using(c, SQLDialect.POSTGRES, settings()), generation);
        } catch (SQLException e) {
            throw new StoreException(
                    "cannot connect to the PostgreSQL database " + location.describe() + " as " + location.user() + ": "
                            + rootMessage(e),
                    e);
        }
    }

    private int migrate(Connection c) {
        try {
            checkPrimary(c);
            return SchemaMigrator.migrate(c, SchemaMigrator.bundled(SchemaMigrator.Dialect.POSTGRESQL));
        } catch (SchemaMigrator.NewerSchemaException newer) {
            throw new StoreException(
                    "the PostgreSQL database " + location.describe() + " has schema version "
                            + newer.databaseVersion() + ", newer than this program's " + newer.programVersion()
                            + ". Nothing was changed. Run a newer lark-handoff (every daemon of the team uses the same"
                            + " version or a newer one).",
                    newer);
        } catch (SQLException e) {
            throw new StoreException(
                    "cannot bring the PostgreSQL database " + location.describe() + " up to date: " + e.getMessage(),
                    e);
        }
    }

    /**
     * The team's daemons write to one primary: a standby takes no writes, and a store whose commits could be
     * lost would break the guarantees every repository makes (see docs/team-mode.md).
     */
    private void checkPrimary(Connection c) throws SQLException {
        try (var s = c.createStatement()) {
            try (var rs = s.executeQuery("SELECT pg_is_in_recovery(), current_setting('synchronous_commit')")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    throw new StoreException("the PostgreSQL server of " + location.describe()
                            + " is a standby (in recovery) and takes no writes; point lark-handoff at the primary");
                }
                if ("off".equalsIgnoreCase(rs.getString(2))) {
                    log.warn(
                            "synchronous_commit is off for {}: a server crash can lose writes the daemons were told"
                                    + " had committed",
                            location.describe());
                }
            }
        } finally {
            c.commit();
        }
    }

    private RuntimeException translate(Throwable e, boolean readOnly) {
        if (e instanceof Error err) {
            throw err;
        }
        if (e instanceof StoreException se) {
            return se;
        }
        String state = sqlState(e);
        if (!readOnly && state != null) {
            String problem = refusal(state);
            if (problem != null) {
                return new StoreUnwritableException(
                        "the PostgreSQL database " + location.describe() + " refuses writes: " + problem, problem, e);
            }
        }
        if (e instanceof RuntimeException re && !(e instanceof DataAccessException)) {
            return re;
        }
        return new StoreException("PostgreSQL database " + location.describe() + ": " + rootMessage(e), e);
    }

    /** Why the server said no for a reason of its own rather than of the data: its disk, its mode. */
    private static String refusal(String state) {
        return switch (state) {
            case "53100" -> "the server's disk is full (53100)";
            case "53200" -> "the server is out of memory (53200)";
            case "25006" -> "the server is read-only: a standby, or default_transaction_read_only (25006)";
            case "58030" -> "the server cannot write to its disk (58030)";
            default -> null;
        };
    }

    private StoreException unreachable(String detail, boolean readOnly, Throwable cause) {
        String problem = "cannot reach the PostgreSQL server: " + detail;
        String message = "the PostgreSQL database " + location.describe() + " cannot be reached: " + detail;
        return readOnly ? new StoreException(message, cause) : new StoreUnwritableException(message, problem, cause);
    }

    /**
     * Whether the failure is the connection's, not the transaction's: SQLSTATE class 08 (connection exception),
     * the server shutting down or starting (57P01–57P03), or a connection the driver has closed.
     */
    private static boolean isConnectionLoss(String state, Connection c) {
        if (state != null && (state.startsWith("08") || state.startsWith("57P"))) {
            return true;
        }
        try {
            return c != null && c.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    private static String sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t instanceof DataAccessException && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** Whether the connection is usable after the rollback. */
    private static boolean rollback(Pooled c, Throwable cause) {
        try {
            c.jdbc().rollback();
            return true;
        } catch (SQLException e) {
            cause.addSuppressed(e);
            return false;
        }
    }

    /** Up to a few milliseconds, growing, at random: two transactions that deadlocked should not meet again. */
    private static void backOff(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, 1L + Math.min(50, 2L << attempt)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Properties properties(StoreLocation.Postgres location) {
        Properties p = new Properties();
        p.setProperty("ApplicationName", "lark-handoff");
        p.setProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
        p.setProperty("tcpKeepAlive", "true");
        // A daemon that hangs (or loses its network) in the middle of a transaction must not hold the channel's
        // or a chat's lock for ever: the server ends such a transaction after a minute.
        p.setProperty("options", "-c idle_in_transaction_session_timeout=60000");
        p.putAll(location.connectionProperties());
        return p;
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing: nothing more to do
        }
    }

    @Override
    public void close() {
        synchronized (idle) {
            closed = true;
            idle.forEach(p -> closeQuietly(p.jdbc()));
            idle.clear();
        }
    }
}
