package dev.larkhandoff.store.schema;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Applies the versioned SQL migrations ({@code V<n>__<description>.sql}) to a SQLite or PostgreSQL database, each
 * in its own transaction, recording every applied version in {@code schema_version}. Each dialect has its own
 * migrations under one numbering: V<n> for PostgreSQL makes the same schema as V<n> for SQLite. It depends on
 * nothing but the JDK and a JDBC driver, so the build can run this very file (as a single-file program) to make
 * the scratch database jOOQ generates its classes from: the program and its generated code read one schema.
 */
public final class SchemaMigrator {

    /** Where the SQLite migrations live, on the classpath and under {@code src/main/resources}. */
    public static final String RESOURCE_DIR = "db/migration";

    /**
     * The transaction-level advisory lock every PostgreSQL migration transaction takes first (the two-key form,
     * class {@code 'lark'}, object 0), so that daemons starting together migrate one after the other: the second
     * finds the work done.
     */
    public static final int ADVISORY_LOCK_CLASS = 0x6c61726b;

    /** The dialects the store speaks, each with its migrations in its own directory. */
    public enum Dialect {
        SQLITE(RESOURCE_DIR),
        POSTGRESQL(RESOURCE_DIR + "/postgresql");

        private final String resourceDir;

        Dialect(String resourceDir) {
            this.resourceDir = resourceDir;
        }

        /** The migrations' directory on the classpath. */
        public String resourceDir() {
            return resourceDir;
        }

        /** The dialect of the database behind a connection. */
        public static Dialect of(Connection c) throws SQLException {
            String product = c.getMetaData().getDatabaseProductName();
            if ("PostgreSQL".equalsIgnoreCase(product)) {
                return POSTGRESQL;
            }
            if ("SQLite".equalsIgnoreCase(product)) {
                return SQLITE;
            }
            throw new SQLException("the store runs on SQLite or PostgreSQL, not on " + product);
        }
    }

    private static final Pattern NAME = Pattern.compile("V(\\d+)__([A-Za-z0-9_]+)\\.sql");

    /** One migration file. */
    public record Migration(int version, String description, String sql) {}

    /** The database was written by a newer program: refuse rather than guess. */
    public static final class NewerSchemaException extends SQLException {
        private final int databaseVersion;
        private final int programVersion;

        NewerSchemaException(int databaseVersion, int programVersion) {
            super("database schema version " + databaseVersion + " is newer than this program's " + programVersion);
            this.databaseVersion = databaseVersion;
            this.programVersion = programVersion;
        }

        public int databaseVersion() {
            return databaseVersion;
        }

        public int programVersion() {
            return programVersion;
        }
    }

    private SchemaMigrator() {}

    /** The build's entry point: {@code SchemaMigrator [--fresh] <database file> <migration directory>}. */
    public static void main(String[] args) throws Exception {
        boolean fresh = args.length == 3 && args[0].equals("--fresh");
        if (args.length != (fresh ? 3 : 2)) {
            System.err.println("usage: SchemaMigrator [--fresh] <database file> <migration directory>");
            System.exit(2);
        }
        Path db = Path.of(args[fresh ? 1 : 0]);
        Path dir = Path.of(args[fresh ? 2 : 1]);
        if (fresh) {
            for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
                Files.deleteIfExists(Path.of(db + suffix));
            }
        }
        Files.createDirectories(db.toAbsolutePath().getParent());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            int version = migrate(c, fromDirectory(dir));
            System.err.println("SchemaMigrator: " + db + " is at schema version " + version);
        }
    }

    /** The SQLite migrations bundled with the program, in version order. */
    public static List<Migration> bundled() {
        return bundled(Dialect.SQLITE);
    }

    /** The migrations bundled with the program for one dialect, in version order. */
    public static List<Migration> bundled(Dialect dialect) {
        String dir = dialect.resourceDir();
        URL url = SchemaMigrator.class.getClassLoader().getResource(dir);
        if (url == null) {
            url = besideThisClassInItsJar(dir);
        }
        if (url == null) {
            throw new IllegalStateException("no " + dir + " on the classpath");
        }
        try {
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                FileSystem fs;
                try {
                    fs = FileSystems.newFileSystem(uri, Map.of());
                } catch (FileSystemAlreadyExistsException e) {
                    fs = FileSystems.getFileSystem(uri);
                }
                return fromDirectory(fs.getPath(dir));
            }
            return fromDirectory(Path.of(uri));
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot list " + url, e);
        }
    }

    /**
     * A jar packed without directory entries (some packagers leave them out) has no resource for the directory
     * itself, only for the files in it: then look in the jar this class came from, where the build puts them.
     */
    private static URL besideThisClassInItsJar(String dir) {
        URL self = SchemaMigrator.class.getResource(SchemaMigrator.class.getSimpleName() + ".class");
        if (self == null || !"jar".equals(self.getProtocol())) {
            return null;
        }
        String s = self.toString();
        try {
            return new URI(s.substring(0, s.indexOf("!/") + 2) + dir).toURL();
        } catch (URISyntaxException | java.net.MalformedURLException e) {
            return null;
        }
    }

    /**
     * Every {@code V<n>__<description>.sql} in the directory, in version order; versions must run 1, 2, 3 …
     * without gaps, and any other {@code .sql} file there is refused rather than skipped (a misnamed migration
     * would otherwise silently never run).
     */
    public static List<Migration> fromDirectory(Path dir) throws IOException {
        List<Migration> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                Matcher m = NAME.matcher(name);
                if (!m.matches() && name.endsWith(".sql")) {
                    throw new IllegalStateException("the migration " + f + " is not named V<n>__<description>.sql"
                            + " (description: letters, digits and _ only)");
                }
                if (m.matches()) {
                    try (InputStream in = Files.newInputStream(f)) {
                        out.add(new Migration(
                                Integer.parseInt(m.group(1)),
                                m.group(2),
                                new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                    }
                }
            }
        }
        out.sort(Comparator.comparingInt(Migration::version));
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).version() != i + 1) {
                throw new IllegalStateException("migrations must be numbered 1.." + out.size()
                        + " without gaps; found V" + out.get(i).version() + " at position " + (i + 1));
            }
        }
        return out;
    }

    /** The newest version among the migrations. */
    public static int latest(List<Migration> migrations) {
        return migrations.isEmpty() ? 0 : migrations.get(migrations.size() - 1).version();
    }

    /**
     * Brings the database up to the newest migration. Each migration and its {@code schema_version} row commit
     * together, so a crash leaves the database at a version boundary. On PostgreSQL every migration transaction
     * first takes the {@link #ADVISORY_LOCK_CLASS migration lock} and reads the version again under it, so
     * several programs migrating one database at once apply each migration exactly once.
     *
     * @return the schema version afterwards
     * @throws NewerSchemaException when the database is newer than the migrations
     */
    public static int migrate(Connection c, List<Migration> migrations) throws SQLException {
        return Dialect.of(c) == Dialect.POSTGRESQL ? migratePostgres(c, migrations) : migrateSqlite(c, migrations);
    }

    private static int migrateSqlite(Connection c, List<Migration> migrations) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            refuseNewer(c, migrations);
            s.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                    + "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
            int current = currentVersion(c);
            for (Migration m : migrations) {
                if (m.version() <= current) {
                    continue;
                }
                s.execute("BEGIN IMMEDIATE");
                try {
                    apply(c, s, m);
                    s.execute("COMMIT");
                } catch (SQLException e) {
                    s.execute("ROLLBACK");
                    throw failed(m, e);
                }
            }
            return currentVersion(c);
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    private static int migratePostgres(Connection c, List<Migration> migrations) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            // One transaction per migration, each under the lock, each reading the version anew: a program that
            // waited for another one's migration finds it applied.
            while (true) {
                Migration next = null;
                try {
                    s.execute("SELECT pg_advisory_xact_lock(" + ADVISORY_LOCK_CLASS + ", 0)");
                    int current = currentVersion(c);
                    if (current > latest(migrations)) {
                        throw new NewerSchemaException(current, latest(migrations));
                    }
                    // Under the lock too: two programs creating it at once could collide in PostgreSQL's catalog.
                    s.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                            + "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)");
                    for (Migration m : migrations) {
                        if (m.version() > current) {
                            next = m;
                            break;
                        }
                    }
                    if (next == null) {
                        c.commit();
                        return current;
                    }
                    apply(c, s, next);
                    c.commit();
                } catch (SQLException e) {
                    rollbackQuietly(c, e);
                    throw next == null ? e : failed(next, e);
                } catch (RuntimeException e) {
                    // Never leave the transaction open: restoring auto-commit below would commit it.
                    rollbackQuietly(c, e);
                    throw e;
                }
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    private static void apply(Connection c, Statement s, Migration m) throws SQLException {
        for (String statement : statements(m.sql())) {
            s.execute(statement);
        }
        try (var insert =
                c.prepareStatement("INSERT INTO schema_version(version, description, applied_at) VALUES (?, ?, ?)")) {
            insert.setInt(1, m.version());
            insert.setString(2, m.description());
            insert.setLong(3, System.currentTimeMillis());
            insert.executeUpdate();
        }
    }

    private static SQLException failed(Migration m, SQLException e) {
        return new SQLException("migration V" + m.version() + "__" + m.description() + " failed: " + e.getMessage(), e);
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * Fails when the database was written by a newer program than these migrations. Only reads, so a caller can
     * check before anything is written to the file.
     */
    public static void refuseNewer(Connection c, List<Migration> migrations) throws SQLException {
        int current = currentVersion(c);
        int latest = latest(migrations);
        if (current > latest) {
            throw new NewerSchemaException(current, latest);
        }
    }

    /** The highest applied version, 0 for a new database. */
    public static int currentVersion(Connection c) throws SQLException {
        String exists = Dialect.of(c) == Dialect.POSTGRESQL
                ? "SELECT CASE WHEN to_regclass('schema_version') IS NULL THEN 0 ELSE 1 END"
                : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'";
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(exists)) {
            if (!rs.next() || rs.getInt(1) == 0) {
                return 0;
            }
        }
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM schema_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    /**
     * Splits a script into statements: on semicolons outside quotes ({@code '…'}, {@code "…"}, {@code `…`}),
     * with {@code --} and {@code /* … *}{@code /} comments removed. Not for statements with semicolons of their
     * own, such as {@code CREATE TRIGGER … BEGIN …; END}: those would need SQLite's own tokenizer.
     */
    static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < script.length(); i++) {
            char ch = script.charAt(i);
            char next = i + 1 < script.length() ? script.charAt(i + 1) : 0;
            if (quote == 0 && ch == '-' && next == '-') {
                while (i < script.length() && script.charAt(i) != '\n') {
                    i++;
                }
                current.append('\n');
                continue;
            }
            if (quote == 0 && ch == '/' && next == '*') {
                int end = script.indexOf("*/", i + 2);
                i = end < 0 ? script.length() : end + 1;
                current.append(' ');
                continue;
            }
            if (quote == 0 && (ch == '\'' || ch == '"' || ch == '`')) {
                quote = ch;
            } else if (quote == ch) {
                quote = 0;
            }
            if (quote == 0 && ch == ';') {
                add(out, current);
                current.setLength(0);
            } else {
                current.append(ch);
            }
        }
        add(out, current);
        return out;
    }

    private static void add(List<String> out, StringBuilder statement) {
        String s = statement.toString().strip();
        if (!s.isEmpty()) {
            out.add(s);
        }
    }
}
