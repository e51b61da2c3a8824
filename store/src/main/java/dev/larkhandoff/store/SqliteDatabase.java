package dev.larkhandoff.store;

import dev.larkhandoff.store.schema.SchemaMigrator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The SQLite file and its one connection, behind a lock so that callers queue instead of meeting
 * {@code SQLITE_BUSY}: one writer at a time, so a write transaction never meets another one.
 *
 * <p>The connection holds the file in exclusive locking mode from its first access: one process (the daemon,
 * which holds the home's lock) uses the store at a time, and SQLite then keeps the WAL index in the heap instead
 * of a memory-mapped {@code -shm} file. A mapped file on a full or read-only disk can fault the JVM with SIGBUS;
 * a heap index cannot, so a disk that refuses writes is an error on the write, which {@link #health} reports
 * until a later write succeeds.
 */
final class SqliteDatabase extends Database {

    private static final byte[] SQLITE_HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
    private static final int BUSY_TIMEOUT_MILLIS = 10_000;
    private static final List<String> COMPANIONS = List.of("", "-wal", "-shm", "-journal");

    private final Path file;
    private final Connection writer;
    private final DSLContext writeContext;
    private final ReentrantLock writeLock = new ReentrantLock(true);
    private final int schemaVersion;

    private SqliteDatabase(Path file, Clock clock) {
        super(clock);
        this.file = file;
        Connection w = null;
        try {
            w = connect();
            // Nothing may write to the file before it is known to be intact and not newer than this program:
            // a file refused here must be left exactly as it was found (even switching it to WAL rewrites its
            // header).
            verifyIntact(w);
            List<SchemaMigrator.Migration> migrations = SchemaMigrator.bundled();
            refuseNewer(w, migrations);
            enableWal(w);
            this.schemaVersion = migrate(w, migrations);
            this.writer = w;
            this.writeContext = DSL.using(writer, SQLDialect.SQLITE, settings());
        } catch (RuntimeException e) {
            closeQuietly(w);
            if (e instanceof Refused refused) {
                // Worded once every connection is closed, so the files it names are the ones left on disk.
                throw new StoreException(refused.wording.get(), refused.getCause());
            }
            throw e;
        }
    }

    /**
     * Opens (creating if absent) and migrates the database at {@code file}. Never recreates an existing one, and
     * leaves a file it refuses (not SQLite, damaged, newer than this program) byte for byte as it found it.
     */
    static SqliteDatabase open(Path file, Clock clock) {
        Path dir = file.toAbsolutePath().getParent();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new StoreException("the home " + dir + " is not a directory (a file is there), so the database "
                    + file.getFileName() + " cannot be created in it; move that file aside or choose another home");
        }
        try {
            Files.createDirectories(dir);
        } catch (FileSystemException e) {
            // e.getMessage() alone is just a path for some failures (FileAlreadyExistsException).
            throw new StoreException(
                    "cannot create the directory " + dir + " for the database: " + e.getFile()
                            + (e.getReason() != null
                                    ? ": " + e.getReason()
                                    : " (" + e.getClass().getSimpleName() + ")"),
                    e);
        } catch (IOException e) {
            throw new StoreException("cannot create the directory " + dir + " for the database: " + e.getMessage(), e);
        }
        if (!Files.isWritable(dir)) {
            throw new StoreException("the directory " + dir + " is not writable; the database " + file.getFileName()
                    + " (and its -wal and -shm files) must be created there");
        }
        boolean exists = Files.exists(file);
        refuseOrphanWal(file, exists);
        if (exists) {
            checkHeader(file);
            if (Files.isRegularFile(file) && !Files.isWritable(file)) {
                throw new StoreException("the database " + file + " is not writable by this user; give it back to"
                        + " the user lark-handoff runs as (chown, or chmod u+rw)");
            }
        } else {
            createPrivate(file);
        }
        return new SqliteDatabase(file, clock);
    }

    @Override
    public StoreLocation location() {
        return StoreLocation.sqlite(file);
    }

    @Override
    public SQLDialect dialect() {
        return SQLDialect.SQLITE;
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public int schemaVersion() {
        return schemaVersion;
    }

    /**
     * Runs {@code work} in one {@code BEGIN IMMEDIATE} transaction.
     *
     * @throws StoreUnwritableException when the disk refuses the write (full, read-only, immutable, I/O error)
     */
    @Override
    public <T> T write(Function<DSLContext, T> work) {
        writeLock.lock();
        try {
            T result;
            try {
                exec("BEGIN IMMEDIATE");
                try {
                    result = work.apply(writeContext);
                } catch (RuntimeException | Error e) {
                    rollback(e);
                    throw translate(e);
                }
                try {
                    exec("COMMIT");
                } catch (RuntimeException e) {
                    // A failed COMMIT (SQLITE_BUSY, a full disk) can leave the transaction open on the one
                    // connection, and every later BEGIN IMMEDIATE would then fail: end it here.
                    rollback(e);
                    throw e;
                }
            } catch (StoreUnwritableException e) {
                refused(e);
                throw e;
            }
            wrote();
            return result;
        } finally {
            writeLock.unlock();
        }
    }

    /** Runs {@code work} in one read transaction (a consistent snapshot). */
    @Override
    public <T> T read(Function<DSLContext, T> work) {
        writeLock.lock();
        try {
            exec("BEGIN DEFERRED");
            try {
                return work.apply(writeContext);
            } catch (RuntimeException | Error e) {
                throw translate(e);
            } finally {
                exec("COMMIT");
            }
        } finally {
            writeLock.unlock();
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
            return new StoreException(damagedInUseMessage(file, sqlite.getMessage()), e);
        }
        if (root instanceof SQLiteException sqlite && refusesWrites(sqlite.getResultCode())) {
            String problem = writeRefusal(sqlite);
            return new StoreUnwritableException("the database " + file + " refuses writes: " + problem, problem, e);
        }
        if (e instanceof RuntimeException re && !(e instanceof DataAccessException)) {
            return re;
        }
        return new StoreException("database " + file + ": " + root.getMessage(), e);
    }

    private Connection connect() {
        SQLiteConfig config = new SQLiteConfig();
        // Set when the connection opens, before its first access to the file: only then does SQLite keep the
        // WAL index in the heap (no -shm file is mapped). See https://sqlite.org/wal.html#noshm
        config.setLockingMode(SQLiteConfig.LockingMode.EXCLUSIVE);
        // No journal mode here: opening must not write. The write connection switches the file to WAL once it
        // has checked it (enableWal), and WAL mode is a property of the file the readers then share.
        // NORMAL in WAL mode: a commit survives a crash of this process (the WAL is written before commit
        // returns), not necessarily a power cut; the last commits may be lost then, never the file.
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.enforceForeignKeys(true);
        config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        try {
            Connection c = config.createConnection("jdbc:sqlite:" + file);
            try (var s = c.createStatement();
                    var rs = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
                rs.next();
            }
            return c;
        } catch (SQLiteException e) {
            if (isCorruption(e.getResultCode())) {
                throw unusable(e.getMessage(), e);
            }
            throw new StoreException("cannot open the database " + file + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new StoreException("cannot open the database " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code PRAGMA quick_check}: every page of every b-tree is read and its structure checked (not the
     * agreement of indexes with their tables, which integrity_check adds at several times the cost). It reads
     * the whole file once, a fraction of a second for a store of some hundred megabytes, and is what turns a
     * damaged page into a refusal at start instead of an error, or a wrong answer, in the middle of the day.
     */
    private void verifyIntact(Connection c) {
        List<String> problems = new ArrayList<>();
        try (var s = c.createStatement();
                var rs = s.executeQuery("PRAGMA quick_check(3)")) {
            while (rs.next()) {
                problems.add(rs.getString(1));
            }
        } catch (SQLiteException e) {
            if (isCorruption(e.getResultCode())) {
                throw unusable(e.getMessage(), e);
            }
            throw new StoreException("cannot check the database " + file + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new StoreException("cannot check the database " + file + ": " + e.getMessage(), e);
        }
        if (!problems.equals(List.of("ok"))) {
            String found = String.join("; ", problems)
                    .replace("*** in database main ***", "")
                    .strip();
            throw unusable("quick_check found: " + found.replaceAll("\\s*\\n\\s*", "; "), null);
        }
    }

    private void refuseNewer(Connection c, List<SchemaMigrator.Migration> migrations) {
        try {
            SchemaMigrator.refuseNewer(c, migrations);
        } catch (SQLException e) {
            throw migrationFailure(e);
        }
    }

    private void enableWal(Connection c) {
        String mode;
        try (var s = c.createStatement();
                var rs = s.executeQuery("PRAGMA journal_mode = WAL")) {
            mode = rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw migrationFailure(e);
        }
        if (!"wal".equalsIgnoreCase(mode)) {
            throw new StoreException("the database " + file + " cannot use write-ahead logging (journal mode stays "
                    + mode + "); keep it on a local file system");
        }
    }

    private int migrate(Connection c, List<SchemaMigrator.Migration> migrations) {
        try {
            return SchemaMigrator.migrate(c, migrations);
        } catch (SQLException e) {
            throw migrationFailure(e);
        }
    }

    private RuntimeException migrationFailure(SQLException e) {
        if (e instanceof SchemaMigrator.NewerSchemaException newer) {
            return new Refused(
                    () -> "the database " + file + " has schema version " + newer.databaseVersion()
                            + ", newer than this program's " + newer.programVersion()
                            + ". Nothing was changed. Run a newer"
                            + " lark-handoff, or move the database aside to start with an empty store: "
                            + moveAsideCommands(file),
                    e);
        }
        Throwable cause = e.getCause() instanceof SQLiteException ? e.getCause() : e;
        if (cause instanceof SQLiteException sqlite && isCorruption(sqlite.getResultCode())) {
            return unusable(sqlite.getMessage(), e);
        }
        return new StoreException("cannot bring the database " + file + " up to date: " + e.getMessage(), e);
    }

    /** The disk, not the data, said no: full, read-only, immutable, gone, or an I/O error. */
    private static boolean refusesWrites(SQLiteErrorCode code) {
        int primary = code.code & 0xff;
        return primary == SQLiteErrorCode.SQLITE_READONLY.code
                || primary == SQLiteErrorCode.SQLITE_FULL.code
                || primary == SQLiteErrorCode.SQLITE_IOERR.code
                || primary == SQLiteErrorCode.SQLITE_CANTOPEN.code
                || primary == SQLiteErrorCode.SQLITE_PERM.code;
    }

    private static String writeRefusal(SQLiteException e) {
        int primary = e.getResultCode().code & 0xff;
        String what = primary == SQLiteErrorCode.SQLITE_FULL.code
                ? "the disk is full"
                : primary == SQLiteErrorCode.SQLITE_READONLY.code || primary == SQLiteErrorCode.SQLITE_PERM.code
                        ? "the file or its disk is read-only"
                        : primary == SQLiteErrorCode.SQLITE_CANTOPEN.code
                                ? "a file of the database cannot be opened"
                                : "the disk refused a write (read-only, immutable or failing)";
        return what + " (" + e.getResultCode().name() + ")";
    }

    private static boolean isCorruption(SQLiteErrorCode code) {
        return code == SQLiteErrorCode.SQLITE_CORRUPT
                || code == SQLiteErrorCode.SQLITE_NOTADB
                || code == SQLiteErrorCode.SQLITE_CORRUPT_INDEX
                || code == SQLiteErrorCode.SQLITE_CORRUPT_VTAB
                || code == SQLiteErrorCode.SQLITE_CORRUPT_SEQUENCE;
    }

    /** What to say about a file refused at open: nothing was written to it, and how to set it (and its log) aside. */
    static String unusableMessage(Path file, String detail) {
        return "the file " + file + " is not a usable SQLite database (" + detail + "). Nothing was changed."
                + " Move it aside to start again with an empty store, or restore it from a backup: "
                + moveAsideCommands(file);
    }

    /** What to say about damage found while the store is in use. */
    static String damagedInUseMessage(Path file, String detail) {
        return "the database " + file + " is damaged (" + detail + "). Stop lark-handoff, then restore the file"
                + " from a backup or move it aside to start again with an empty store: " + moveAsideCommands(file);
    }

    /**
     * The commands that move the database aside with the -wal and -shm files next to it (those present now). The
     * log must go with its database: SQLite would replay a stale -wal into the new, empty file. Kept together
     * as {@code <name>.broken}, {@code <name>.broken-wal}, the set still opens with the sqlite3 shell.
     */
    static String moveAsideCommands(Path file) {
        List<String> commands = new ArrayList<>();
        for (String suffix : COMPANIONS) {
            Path f = Path.of(file + suffix);
            if (suffix.isEmpty() || Files.exists(f)) {
                commands.add("mv " + shellWord(f.toString()) + " " + shellWord(file + ".broken" + suffix));
            }
        }
        return String.join("; ", commands);
    }

    private static String shellWord(String s) {
        return s.matches("[A-Za-z0-9_./+,:=@%-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * A -wal file with content but no database (someone moved only the database aside): SQLite would replay it
     * into the new, empty file and resurrect whatever it held. SQLite always writes the database's first page
     * before any frame reaches the log, so a real store never looks like this.
     */
    private static void refuseOrphanWal(Path file, boolean exists) {
        Path wal = Path.of(file + "-wal");
        try {
            if (Files.isRegularFile(wal) && Files.size(wal) > 0 && (!exists || Files.size(file) == 0)) {
                List<String> commands = new ArrayList<>();
                for (String suffix : List.of("-wal", "-shm")) {
                    Path f = Path.of(file + suffix);
                    if (Files.exists(f)) {
                        commands.add("mv " + shellWord(f.toString()) + " " + shellWord(file + ".orphan" + suffix));
                    }
                }
                throw new StoreException("found the write-ahead log " + wal + " but " + (exists ? "an empty" : "no")
                        + " database " + file + "; starting would replay that log into a new database. Nothing was"
                        + " changed. Put the database that goes with it back, or move the log aside: "
                        + String.join("; ", commands));
            }
        } catch (IOException e) {
            throw new StoreException("cannot read " + wal + ": " + e.getMessage(), e);
        }
    }

    private static void checkHeader(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] header = in.readNBytes(SQLITE_HEADER.length);
            if (header.length == 0) {
                return; // an empty file: SQLite initialises it
            }
            if (!Arrays.equals(header, SQLITE_HEADER)) {
                throw new StoreException(unusableMessage(file, "it does not start with the SQLite header"));
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
            closeQuietly(writer);
        } finally {
            writeLock.unlock();
        }
    }

    /** The file is refused; the message is worded by the constructor once its connections are closed. */
    private static final class Refused extends RuntimeException {
        private final transient Supplier<String> wording;

        Refused(Supplier<String> wording, Throwable cause) {
            super(null, cause, false, false);
            this.wording = wording;
        }
    }

    /** The file is not a SQLite database this program can trust. */
    private Refused unusable(String detail, Throwable cause) {
        return new Refused(() -> unusableMessage(file, detail), cause);
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
