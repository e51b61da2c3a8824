package dev.larkhandoff.store.postgres;

import dev.larkhandoff.store.StoreException;
import dev.larkhandoff.store.StoreLocation;
import dev.larkhandoff.store.schema.SchemaMigrator;
import dev.larkhandoff.store.team.DaemonRecord;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A look at a team's PostgreSQL database that changes nothing: whether it answers, which server it is, whether the
 * store can live there (a primary, a schema this program knows, the right to create its tables), how far this
 * machine's clock is from the server's, and which daemons the store knows. {@code lark-handoff init} and
 * {@code lark-handoff doctor} use it to say what is wrong before a daemon tries; each failure carries its
 * {@link Problem}, so the caller can say how to fix it. Messages never show a password.
 */
public final class PostgresCheck {

    private static final int CONNECT_TIMEOUT_SECONDS = 10;

    private PostgresCheck() {}

    /** Why a database cannot hold the store, each with its own fix. */
    public enum Problem {
        /** No server answers at host:port (wrong address, server down, firewall), or it is still starting. */
        UNREACHABLE,
        /** The server wants a password and none was given. */
        NO_PASSWORD,
        /** The server refused the password. */
        BAD_PASSWORD,
        /** The server does not let this user connect from here (pg_hba.conf), or the role may not log in. */
        NOT_ALLOWED,
        /** There is no database of that name on the server. */
        NO_DATABASE,
        /** The user may not create the store's tables (and they are not there yet). */
        NO_CREATE,
        /** The server is a standby, which takes no writes. */
        STANDBY,
        /** The store there was written by a newer lark-handoff. */
        NEWER_SCHEMA,
        /** Anything else; the message says what the server said. */
        OTHER
    }

    /** The database cannot hold the store, for {@link #problem}. */
    public static final class Failed extends StoreException {
        private final Problem problem;

        public Failed(Problem problem, String message, Throwable cause) {
            super(message, cause);
            this.problem = problem;
        }

        public Problem problem() {
            return problem;
        }
    }

    /**
     * What the look found, on a database that can hold the store.
     *
     * @param serverVersion  the server's {@code server_version}
     * @param schemaVersion  the store's schema version there, 0 when it has no store yet
     * @param programVersion the schema version of this program
     * @param skewMillis     the server's clock minus this machine's, measured at the middle of one round trip
     * @param daemons        the {@code daemons} rows, most recent heartbeat first (none before schema version 2)
     */
    public record Server(
            String serverVersion, int schemaVersion, int programVersion, long skewMillis, List<DaemonRecord> daemons) {

        public Server {
            daemons = List.copyOf(daemons);
        }
    }

    /**
     * Connects once, reads, and disconnects.
     *
     * @throws Failed when the database cannot hold the store: unreachable, refused, missing, a standby, newer than
     *     this program, or without the right to create the store's tables when they are not there yet
     */
    public static Server look(StoreLocation.Postgres location, Clock clock) {
        Properties p = new Properties();
        p.setProperty("ApplicationName", "lark-handoff check");
        p.setProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
        p.putAll(location.connectionProperties());
        String where = location.describe() + " as " + location.user();
        try (Connection c = DriverManager.getConnection(location.jdbcUrl(), p)) {
            c.setReadOnly(true);
            String version;
            boolean standby;
            boolean mayCreate;
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT current_setting('server_version'), pg_is_in_recovery(),"
                            + " coalesce(has_schema_privilege(current_schema(), 'CREATE'), false)")) {
                rs.next();
                version = rs.getString(1);
                standby = rs.getBoolean(2);
                mayCreate = rs.getBoolean(3);
            }
            if (standby) {
                throw new Failed(
                        Problem.STANDBY,
                        "the PostgreSQL server of " + location.describe() + " is a standby (in recovery) and takes no"
                                + " writes",
                        null);
            }
            int program = SchemaMigrator.latest(SchemaMigrator.bundled(SchemaMigrator.Dialect.POSTGRESQL));
            int schema = SchemaMigrator.currentVersion(c);
            if (schema > program) {
                throw new Failed(
                        Problem.NEWER_SCHEMA,
                        "the store in " + location.describe() + " has schema version " + schema
                                + ", newer than this program's " + program,
                        null);
            }
            if (schema < program && !mayCreate) {
                throw new Failed(
                        Problem.NO_CREATE,
                        "the user " + location.user() + " may not create tables in " + location.describe()
                                + (schema == 0
                                        ? ", and the store's tables are not there yet"
                                        : ", and the store there (schema version " + schema
                                                + ") needs the tables of version " + program),
                        null);
            }
            long skew = skew(c, clock);
            return new Server(version, schema, program, skew, schema >= 2 ? daemons(c) : List.of());
        } catch (SQLException e) {
            throw new Failed(classify(e), "cannot use " + where + ": " + e.getMessage(), e);
        }
    }

    /**
     * Why opening or using a store failed, read from the SQL states and network errors in {@code e}'s causes;
     * {@link Problem#OTHER} when none says.
     */
    public static Problem classify(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof Failed f) {
                return f.problem();
            }
            if (t instanceof SchemaMigrator.NewerSchemaException) {
                return Problem.NEWER_SCHEMA;
            }
            if (t instanceof UnknownHostException
                    || t instanceof ConnectException
                    || t instanceof NoRouteToHostException
                    || t instanceof SocketTimeoutException) {
                return Problem.UNREACHABLE;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                Problem p = bySqlState(sql.getSQLState(), String.valueOf(sql.getMessage()));
                if (p != null) {
                    return p;
                }
            }
        }
        return Problem.OTHER;
    }

    private static Problem bySqlState(String state, String message) {
        return switch (state) {
            case "28P01" -> Problem.BAD_PASSWORD;
            case "28000" -> Problem.NOT_ALLOWED;
            case "3D000" -> Problem.NO_DATABASE;
            case "42501" -> Problem.NO_CREATE;
            case "25006" -> Problem.STANDBY;
            // The driver's own refusal to go on without a password (08004, "… but no password was provided").
            case "08004" -> message.contains("no password") ? Problem.NO_PASSWORD : Problem.NOT_ALLOWED;
            default -> state.startsWith("08") || state.equals("57P03") ? Problem.UNREACHABLE : null;
        };
    }

    /** The server's clock minus ours, taken at the middle of the round trip that read it. */
    private static long skew(Connection c, Clock clock) throws SQLException {
        try (Statement s = c.createStatement()) {
            long before = clock.millis();
            long server;
            try (ResultSet rs = s.executeQuery("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint")) {
                rs.next();
                server = rs.getLong(1);
            }
            long after = clock.millis();
            return server - (before + after) / 2;
        }
    }

    private static List<DaemonRecord> daemons(Connection c) throws SQLException {
        List<DaemonRecord> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT daemon_id, machine, home, pid, version, started_at,"
                        + " heartbeat_at, lease_until, lark_connection FROM daemons"
                        + " ORDER BY heartbeat_at DESC, daemon_id")) {
            while (rs.next()) {
                out.add(new DaemonRecord(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getLong(4),
                        rs.getString(5),
                        rs.getLong(6),
                        rs.getLong(7),
                        rs.getLong(8),
                        rs.getString(9)));
            }
        }
        return out;
    }
}
