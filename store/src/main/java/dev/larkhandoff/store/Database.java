package dev.larkhandoff.store;

import dev.larkhandoff.store.schema.SchemaMigrator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The SQLite file and its connections: one write connection behind a lock, so writers queue instead of meeting
 * {@code SQLITE_BUSY}, and a few read-only connections that WAL lets read while a write is in progress.
 * Repositories run each of their methods as one {@link #write} or {@link #read}.
 */
public final class Database implements AutoCloseable {

    private static final byte[] SQLITE_HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
    private static final int READERS = 4;
    private static final int BUSY_TIMEOUT_MILLIS = 10_000;

    private final Path file;
    private final Connection writer;
    private final DSLContext writeContext;
    private final ReentrantLock writeLock = new ReentrantLock(true);
    private final BlockingQueue<Connection> readers = new ArrayBlockingQueue<>(READERS);
    private final List<Connection> allReaders = new ArrayList<>();
    private final int schemaVersion;

    private Database(Path file) {
        this.file = file;
        Connection w = null;
        try {
            w = connect(false);
            this.schemaVersion = migrate(w);
            this.writer = w;
            this.writeContext = DSL.using(writer, SQLDialect.SQLITE, settings());
            for (int i = 0; i < READERS; i++) {
                Connection r = connect(true);
                allReaders.add(r);
                readers.add(r);
            }
        } catch (RuntimeException e) {
            closeQuietly(w);
            allReaders.forEach(Database::closeQuietly);
            throw e;
        }
    }

    /** Opens (creating if absent) and migrates the database at {@code file}; never recreates an existing one. */
    static Database open(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StoreException("cannot create the directory " + dir + " for the database: " + e.getMessage(), e);
        }
        if (!Files.isWritable(dir)) {
            throw new StoreException("the directory " + dir + " is not writable; the database " + file.getFileName()
                    + " (and its -wal and -shm files) must be created there");
        }
        if (Files.exists(file)) {
            checkHeader(file);
        } else {
            createPrivate(file);
        }
        return new Database(file);
    }

    public Path file() {
        return file;
    }

    public int schemaVersion() {
        return schemaVersion;
    }

    /** Runs {@code work} in one {@code BEGIN IMMEDIATE} transaction on the write connection. */
    public <T> T write(Function<DSLContext, T> work) {
        writeLock.lock();
        try {
            exec("BEGIN IMMEDIATE");
            T result;
            try {
                result = work.apply(writeContext);
            } catch (RuntimeException | Error e) {
                rollback(e);
                throw translate(e);
            }
            try {
                exec("COMMIT");
            } catch (RuntimeException e) {
                // A failed COMMIT (SQLITE_BUSY, a full disk) can leave the transaction open on the one write
                // connection, and every later BEGIN IMMEDIATE would then fail: end it here.
                rollback(e);
                throw e;
            }
            return result;
        } finally {
            writeLock.unlock();
        }
    }

    /** Runs {@code work} on a read-only connection in one read transaction (a consistent snapshot). */
    public <T> T read(Function<DSLContext, T> work) {
        Connection c;
        try {
            c = readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a database connection", e);
        }
        try {
            DSLContext ctx = DSL.using(c, SQLDialect.SQLITE, settings());
            ctx.execute("BEGIN DEFERRED");
            try {
                return work.apply(ctx);
            } finally {
                ctx.execute("COMMIT");
            }
        } catch (RuntimeException e) {
            throw translate(e);
        } finally {
            readers.add(c);
        }
    }

    private void exec(String sql) {
        try (var s = writer.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    private void rollback(Throwable cause) {
        try (var s = writer.createStatement()) {
            s.execute("ROLLBACK");
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private RuntimeException translate(Throwable e) {
        if (e instanceof StoreException se) {
            return se;
        }
        if (e instanceof Error err) {
            throw err;
        }
        Throwable root = e instanceof DataAccessException && e.getCause() != null ? e.getCause() : e;
        if (root instanceof SQLiteException sqlite && isCorruption(sqlite.getResultCode())) {
            return new StoreException(corruptMessage(file, sqlite.getMessage()), e);
        }
        if (e instanceof RuntimeException re && !(e instanceof DataAccessException)) {
            return re;
        }
        return new StoreException("database " + file + ": " + root.getMessage(), e);
    }

    private static Settings settings() {
        return new Settings().withExecuteLogging(false).withRenderSchema(false);
    }

    private Connection connect(boolean readOnly) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // NORMAL in WAL mode: a commit survives a crash of this process (the WAL is written before commit
        // returns), not necessarily a power cut; the last commits may be lost then, never the file.
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.enforceForeignKeys(true);
        config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        try {
            Connection c = config.createConnection("jdbc:sqlite:" + file);
            if (readOnly) {
                try (var s = c.createStatement()) {
                    s.execute("PRAGMA query_only = 1");
                }
            }
            try (var s = c.createStatement(); var rs = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
                rs.next();
            }
            return c;
        } catch (SQLiteException e) {
            if (isCorruption(e.getResultCode())) {
                throw new StoreException(corruptMessage(file, e.getMessage()), e);
            }
            throw new StoreException("cannot open the database " + file + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new StoreException("cannot open the database " + file + ": " + e.getMessage(), e);
        }
    }

    private int migrate(Connection c) {
        try {
            return SchemaMigrator.migrate(c, SchemaMigrator.bundled());
        } catch (SchemaMigrator.NewerSchemaException e) {
            throw new StoreException("the database " + file + " has schema version " + e.databaseVersion()
                    + ", newer than this program's " + e.programVersion() + "; run a newer lark-handoff, or move the"
                    + " file aside to start empty", e);
        } catch (SQLException e) {
            if (e instanceof SQLiteException sqlite && isCorruption(sqlite.getResultCode())) {
                throw new StoreException(corruptMessage(file, e.getMessage()), e);
            }
            throw new StoreException("cannot bring the database " + file + " up to date: " + e.getMessage(), e);
        }
    }

    private static boolean isCorruption(SQLiteErrorCode code) {
        return code == SQLiteErrorCode.SQLITE_CORRUPT || code == SQLiteErrorCode.SQLITE_NOTADB
                || code == SQLiteErrorCode.SQLITE_CORRUPT_INDEX || code == SQLiteErrorCode.SQLITE_CORRUPT_VTAB
                || code == SQLiteErrorCode.SQLITE_CORRUPT_SEQUENCE;
    }

    static String corruptMessage(Path file, String detail) {
        return "the file " + file + " is not a usable SQLite database (" + detail + "). Nothing was changed."
                + " Move it aside (mv " + file + " " + file + ".broken) and start again to begin with an empty store,"
                + " or restore it from a backup";
    }

    private static void checkHeader(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] header = in.readNBytes(SQLITE_HEADER.length);
            if (header.length == 0) {
                return; // an empty file: SQLite initialises it
            }
            if (!Arrays.equals(header, SQLITE_HEADER)) {
                throw new StoreException(corruptMessage(file, "it does not start with the SQLite header"));
            }
        } catch (AccessDeniedException e) {
            throw new StoreException("the database " + file + " is not readable by this user", e);
        } catch (IOException e) {
            throw new StoreException("cannot read the database " + file + ": " + e.getMessage(), e);
        }
    }

    /** The database is created readable by its owner only: it holds chat content. */
    private static void createPrivate(Path file) {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            try {
                Files.createFile(file);
            } catch (IOException io) {
                throw new StoreException("cannot create the database " + file + ": " + io.getMessage(), io);
            }
        } catch (IOException e) {
            throw new StoreException("cannot create the database " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        writeLock.lock();
        try {
            allReaders.forEach(Database::closeQuietly);
            closeQuietly(writer);
        } finally {
            writeLock.unlock();
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing: nothing more to do
            }
        }
    }
}
