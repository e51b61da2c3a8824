package dev.larkhandoff.store;

import dev.larkhandoff.store.channel.ChannelStateRepository;
import dev.larkhandoff.store.chat.ChatRepository;
import dev.larkhandoff.store.handoff.BindingRepository;
import dev.larkhandoff.store.inbox.InboxRepository;
import dev.larkhandoff.store.permission.PermissionRepository;
import dev.larkhandoff.store.session.SessionRepository;
import dev.larkhandoff.store.team.TeamRepository;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The lark-handoff store: one SQLite file, {@code <home>/lark-handoff.db}, or in team mode one PostgreSQL database
 * that several daemons share (docs/team-mode.md); migrated on open, with a repository per concern. Thread-safe;
 * open one per home (or per daemon) and close it on the way out.
 */
public final class Store implements AutoCloseable {

    public static final String FILE_NAME = "lark-handoff.db";

    private final Database db;
    private final InboxRepository inbox;
    private final SessionRepository sessions;
    private final ChannelStateRepository channel;
    private final BindingRepository bindings;
    private final ChatRepository chats;
    private final PermissionRepository permissions;
    private final SettingsRepository settings;
    private final TeamRepository team;
    private final ChangeSignals signals;

    private Store(Database db, Clock clock) {
        this.db = db;
        this.inbox = new InboxRepository(db, clock);
        this.sessions = new SessionRepository(db, clock);
        this.channel = new ChannelStateRepository(db, clock);
        this.bindings = new BindingRepository(db, clock);
        this.chats = new ChatRepository(db, clock);
        this.permissions = new PermissionRepository(db, clock);
        this.settings = new SettingsRepository(db, clock);
        this.team = new TeamRepository(db, clock);
        this.signals = db instanceof PostgresDatabase pg ? new PostgresSignals(pg) : ChangeSignals.NONE;
    }

    /** Opens {@code <home>/lark-handoff.db}, creating the directory and the file when absent. */
    public static Store open(Path home, Clock clock) {
        return openFile(home.resolve(FILE_NAME), clock);
    }

    /** Opens the database at exactly this path. */
    public static Store openFile(Path file, Clock clock) {
        return new Store(Database.open(file, clock), clock);
    }

    /** Opens the store at {@code location}: a SQLite file, or a PostgreSQL database shared with other daemons. */
    public static Store open(StoreLocation location, Clock clock) {
        return new Store(Database.open(location, clock), clock);
    }

    public InboxRepository inbox() {
        return inbox;
    }

    public SessionRepository sessions() {
        return sessions;
    }

    public ChannelStateRepository channel() {
        return channel;
    }

    public BindingRepository bindings() {
        return bindings;
    }

    public ChatRepository chats() {
        return chats;
    }

    public PermissionRepository permissions() {
        return permissions;
    }

    public SettingsRepository settings() {
        return settings;
    }

    /** The daemons that serve this store and their leases. */
    public TeamRepository team() {
        return team;
    }

    /** Whether other daemons may share this store (a PostgreSQL database) rather than one daemon owning it. */
    public boolean isShared() {
        return db instanceof PostgresDatabase;
    }

    /** The signals between the processes sharing this store; {@link ChangeSignals#NONE} for a SQLite file. */
    public ChangeSignals signals() {
        return signals;
    }

    public int schemaVersion() {
        return db.schemaVersion();
    }

    /** Whether the store takes writes, and if not since when and why. */
    public StoreHealth health() {
        return db.health();
    }

    /** One small real write that clears an unwritable state once the disk takes writes again. */
    public StoreHealth probeWrite() {
        return db.probeWrite();
    }

    /**
     * The SQLite file.
     *
     * @throws UnsupportedOperationException for a PostgreSQL store: see {@link #location}
     */
    public Path file() {
        return db.file();
    }

    /** Where the store is; its {@code toString} never shows a password. */
    public StoreLocation location() {
        return db.location();
    }

    /** The underlying transactions, for tools (doctor, benchmarks) that need a raw query. */
    public Database database() {
        return db;
    }

    @Override
    public void close() {
        signals.close();
        db.close();
    }
}
