package dev.larkhandoff.server.daemon;

import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.lark.LarkClientConfig;
import dev.larkhandoff.lark.ws.LongConnection;
import dev.larkhandoff.lark.ws.LongConnectionOptions;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.access.AccessFile;
import dev.larkhandoff.server.access.AccessSource;
import dev.larkhandoff.server.access.AccessTable;
import dev.larkhandoff.server.access.ChannelAccess;
import dev.larkhandoff.server.channel.ChannelMessaging;
import dev.larkhandoff.server.channel.ChannelMessagingTools;
import dev.larkhandoff.server.channel.ChannelOwnership;
import dev.larkhandoff.server.channel.ChatNotices;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.channel.ReceivedIndicator;
import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.handoff.HandoffClicks;
import dev.larkhandoff.server.handoff.HandoffInbox;
import dev.larkhandoff.server.handoff.HandoffOutbox;
import dev.larkhandoff.server.handoff.HandoffTools;
import dev.larkhandoff.server.handoff.Handoffs;
import dev.larkhandoff.server.handoff.MediaDownloads;
import dev.larkhandoff.server.handoff.OperatorLookup;
import dev.larkhandoff.server.handoff.StopFlags;
import dev.larkhandoff.server.hooks.Hooks;
import dev.larkhandoff.server.hooks.PermissionBridge;
import dev.larkhandoff.server.http.HttpFront;
import dev.larkhandoff.server.ipc.DaemonIpc;
import dev.larkhandoff.server.ipc.FrameDecoder;
import dev.larkhandoff.server.relay.RelaySessions;
import dev.larkhandoff.server.routing.DeliveryTools;
import dev.larkhandoff.server.routing.InboundBatches;
import dev.larkhandoff.server.routing.InboundPipeline;
import dev.larkhandoff.server.routing.InboundRecorder;
import dev.larkhandoff.server.routing.InboxRouter;
import dev.larkhandoff.server.routing.PullDeliveries;
import dev.larkhandoff.server.session.SessionRegistry;
import dev.larkhandoff.server.team.OtherMachines;
import dev.larkhandoff.server.team.TeamPresence;
import dev.larkhandoff.server.team.TeamSessions;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolSpec;
import dev.larkhandoff.server.workspace.GroupConfig;
import dev.larkhandoff.server.workspace.GroupDirectory;
import dev.larkhandoff.server.workspace.Workspace;
import dev.larkhandoff.store.ChangeSignals;
import dev.larkhandoff.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one process per home that holds the Lark connection, the store, channel ownership and routing, and serves
 * sessions on the socket (and HTTP). {@link #start} assembles it; {@link #close} takes it down in the order that
 * loses nothing: stop taking Lark events and answer those in flight, then let sessions go, then the store.
 */
public final class Daemon implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Daemon.class);
    /** How often a team daemon looks at the store even without a signal (the safety net, not the main path). */
    private static final Duration TEAM_POLL = Duration.ofSeconds(5);
    /**
     * How long a team holds a fresh handoff reply back, so that one Lark gave another daemon's connection (stored a
     * moment later there) is not overtaken by a later one stored here first.
     */
    private static final Duration TEAM_REPLY_HOLD_BACK = Duration.ofSeconds(1);

    /** Another daemon already serves this home. */
    public static final class AlreadyRunning extends IOException {
        public AlreadyRunning(Path home) {
            super("a lark-handoff daemon is already running for " + home);
        }
    }

    private final DaemonOptions options;
    private final DaemonLock lock;
    private final Store store;
    private final SessionRegistry registry;
    private final ChannelOwnership ownership;
    private final InboxRouter router;
    private final PullDeliveries pulls;
    private final ChannelAccess access;
    /** The team's policy in the shared store; null when the policy is this home's access.json. */
    private final AccessTable accessTable;

    private final ToolCatalog tools;
    private final HandoffInbox handoffInbox;
    private final InboundPipeline pipeline;
    private final StatusReport status;
    private final OtherMachines otherMachines;
    private final TeamPresence presence;
    /** Null when the daemon has its store to itself. */
    private final TeamSessions teamSessions;
    /** Null without a Lark app: hooks then have nothing to say. */
    private final PermissionBridge permissions;

    private final Hooks hooks;
    private final ExecutorService toolRunner;
    private final Instant startedAt;
    private final LarkClient lark;
    private final AtomicReference<String> botOpenId = new AtomicReference<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicReference<ChangeSignals.Change> teamReplayQueued =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final Scheduler inbound = Schedulers.newSingle("lark-inbound", true);
    /** Routes stored rows to their sessions while the inbound thread stores the next event. */
    private final Scheduler routing = Schedulers.newSingle("lark-route", true);
    /** The MCP sessions hosted for stdio relays (null until serving). */
    private volatile RelaySessions relays;

    private volatile LongConnection connection;
    private volatile Disposable subscription;
    private volatile HttpFront httpFront;
    private volatile StoreWatch storeWatch;
    private volatile Runnable onShutdownRequested = () -> {};

    private Daemon(DaemonOptions options, DaemonLock lock, Store store) {
        this.options = options;
        this.lock = lock;
        this.store = store;
        this.startedAt = options.clock().instant();
        this.lark = options.config().hasCredentials()
                ? LarkClient.create(LarkClientConfig.of(
                        options.config().domain(),
                        options.config().appId(),
                        options.config().appSecret()))
                : null;
        String daemonId = options.machine() + "-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(new Random().nextLong() & 0xffffffL);
        this.registry = new SessionRegistry(store.sessions(), daemonId);
        this.presence = new TeamPresence(
                store.team(),
                new TeamPresence.Identity(
                        daemonId,
                        options.machine(),
                        options.config().home().toString(),
                        ProcessHandle.current().pid(),
                        options.version(),
                        startedAt.toEpochMilli()),
                this::larkConnectionState,
                sharers -> {
                    if (lark != null) {
                        lark.http().limiter().shareAppLimit(sharers);
                    }
                },
                () -> queueHeardFromTeam(ChangeSignals.Change.ANY));
        this.teamSessions = store.isShared() ? new TeamSessions(registry, store.sessions(), presence::others) : null;
        this.ownership = new ChannelOwnership(store.channel(), teamSessions == null ? registry : teamSessions);
        AccessSource accessSource = accessSource(options, store);
        this.accessTable = accessSource instanceof AccessTable table ? table : null;
        this.access = new ChannelAccess(
                accessSource,
                store.chats(),
                store.inbox(),
                options.clock(),
                botOpenId::get,
                lark == null ? ChatNotices.NONE : new ChatNotices(lark.messages()));
        this.router = new InboxRouter(store.inbox(), store.bindings(), ownership, registry, access);
        this.pulls = new PullDeliveries(router);
        this.handoffInbox = new HandoffInbox(store.inbox(), store.bindings(), store.chats(), store.settings());
        ReceivedIndicator indicator = lark == null ? null : new ReceivedIndicator(lark.messages(), new Random());
        Handoffs handoffs = null;
        StopFlags stopFlags = lark == null ? null : new StopFlags(store.settings(), options.clock());
        if (lark != null) {
            GroupConfig groupConfig = new GroupConfig(lark, store.chats(), options.clock(), GroupConfig.DEFAULT_TTL);
            OperatorLookup operator = new OperatorLookup(
                    lark,
                    options.config().operatorEmail(),
                    "operator_email in "
                            + options.config().home().resolve(LarkHandoffConfig.FILE_NAME) + " (or "
                            + Environment.OPERATOR_EMAIL + ")");
            GroupDirectoryOnDemand directory =
                    new GroupDirectoryOnDemand(() -> new GroupDirectory(lark, store, groupConfig, operator.openId()));
            HandoffOutbox outbox =
                    new HandoffOutbox(lark.messages(), store.chats(), store.settings(), stopFlags, options.clock());
            handoffs = Handoffs.of(
                    lark,
                    store,
                    directory,
                    groupConfig,
                    handoffInbox,
                    outbox,
                    stopFlags,
                    new MediaDownloads(lark.resources(), options.config().home(), MediaDownloads.Limits.DEFAULT),
                    options.clock(),
                    options.machine());
            this.permissions = new PermissionBridge(
                    store.inbox(),
                    groupConfig,
                    outbox,
                    lark.messages(),
                    store.settings(),
                    options.clock(),
                    options.permissionTimeout());
            this.hooks = new Hooks(store.bindings(), stopFlags, permissions, groupConfig, outbox);
        } else {
            this.permissions = null;
            this.hooks = null;
        }
        this.otherMachines = new OtherMachines(
                options.machine(),
                lark == null
                        ? chatId -> Optional.empty()
                        : chatId -> Optional.ofNullable(
                                        lark.chats().get(chatId).block(java.time.Duration.ofSeconds(30)))
                                // Only a handoff group (its description carries a workspace tag) names a machine.
                                .filter(chat -> chat.description() != null
                                        && chat.description().contains(Workspace.TAG_PREFIX))
                                .map(chat -> chat.name()),
                chatId -> store.bindings().find(chatId).isPresent(),
                options.clock());
        List<Runnable> waiters = new ArrayList<>(List.of(pulls::wake, handoffInbox::wake));
        if (permissions != null) {
            waiters.add(permissions::wake);
        }
        this.pipeline = new InboundPipeline(
                store.inbox(),
                store.chats(),
                router,
                lark == null
                        ? InboundRecorder.CardCallbacks.NONE
                        : new HandoffClicks(stopFlags, store.bindings(), store.chats()),
                indicator == null ? (chat, message) -> {} : indicator::received,
                waiters,
                otherMachines::stored,
                task -> routing.schedule(task),
                options.clock());
        // Listeners last: ownership and access read the router the pipeline drives.
        registry.onRegistered(ownership::registered);
        // On the routing thread: a target changes on a session's IPC reader too (a register), which must keep reading.
        ownership.onTargetChanged(pipeline::rerouteSoon);
        access.onRejudge(() -> inbound.schedule(pipeline::reroute));
        this.status = new StatusReport(
                options,
                store,
                registry,
                ownership,
                startedAt,
                new StatusReport.Live(
                        () -> connection,
                        pipeline::lastEventAt,
                        () -> storeWatch,
                        () -> httpFront,
                        otherMachines,
                        presence,
                        indicator == null ? () -> 0 : indicator::dropped));
        Handoffs ready = handoffs;
        this.tools = ToolCatalog.builder()
                .addAll(
                        indicator == null
                                ? unconfigured(ChannelMessagingTools.specs())
                                : ChannelMessagingTools.of(
                                        new ChannelMessaging(lark.messages(), store.chats()), indicator))
                .addAll(DeliveryTools.of(
                        pulls,
                        ready == null
                                ? DeliveryTools.HandoffWait.NONE
                                : (call, timeout) -> HandoffTools.waitIfBound(ready, call, timeout),
                        HandoffTools.DEFAULT_TIMEOUT_SECONDS))
                .addAll(ready == null ? unconfigured(HandoffTools.specs()) : HandoffTools.of(ready))
                .addAll(OwnershipTools.of(ownership, status::parts))
                .build();
        this.toolRunner = Executors.newCachedThreadPool(named("tool"));
    }

    /**
     * Who may talk to the agents: the home's access.json, or in a team the one policy in the shared store (seeded from
     * this home's file when the store has none yet).
     */
    private static AccessSource accessSource(DaemonOptions options, Store store) {
        AccessFile file = new AccessFile(options.config().home());
        if (!store.isShared()) {
            return file;
        }
        AccessTable table = new AccessTable(store.settings(), store.location().describe(), store.signals());
        try {
            table.adoptIfEmpty(file);
        } catch (RuntimeException e) {
            log.warn("could not bring {} into the team's store: {}", file.path(), e.getMessage());
        }
        return table;
    }

    /** The same tools, each answering that no Lark app is configured (so agents see them and learn why). */
    private static ToolCatalog unconfigured(java.util.List<ToolSpec> specs) {
        ToolCatalog.Builder b = ToolCatalog.builder();
        specs.forEach(spec -> b.add(
                spec,
                call -> ToolResult.error(spec.name()
                        + " needs a Lark app: run `lark-handoff init` (or set LARK_APP_ID and LARK_APP_SECRET) and restart "
                        + "the daemon")));
        return b.build();
    }

    /**
     * Becomes the daemon of the configured home: takes the lock and socket, opens the store, serves sessions,
     * opens the Lark long connection (when credentials are configured) and replays what was pending.
     *
     * @throws AlreadyRunning when another daemon serves this home
     */
    public static Daemon start(DaemonOptions options) throws IOException {
        Path home = options.config().home();
        Optional<DaemonLock> lock = DaemonLock.tryAcquire(home, FrameDecoder.DEFAULT_MAX_FRAME);
        if (lock.isEmpty()) {
            throw new AlreadyRunning(home);
        }
        Store store;
        try {
            // Whatever the last daemon left in http.json is stale now; only this daemon may say where it listens.
            HttpEndpointFile.forgetStale(home);
        } catch (IOException e) {
            lock.get().close();
            throw e;
        }
        try {
            store = Store.open(options.store().location(home), options.clock());
        } catch (RuntimeException e) {
            lock.get().close();
            throw e;
        }
        Daemon daemon;
        try {
            daemon = new Daemon(options, lock.get(), store);
        } catch (RuntimeException e) {
            store.close();
            lock.get().close();
            throw e;
        }
        try {
            daemon.serve();
        } catch (IOException | RuntimeException e) {
            daemon.close();
            throw e;
        }
        return daemon;
    }

    private void serve() throws IOException {
        if (store.isShared()) {
            // The other daemons' sessions are theirs; this daemon starts with none, under a new id.
            presence.start();
            teamSessions.refresh();
            pipeline.announceWith(store.signals()::announce);
            handoffInbox.announceWith(() -> store.signals().announce(ChangeSignals.Change.ANY));
            handoffInbox.holdBackFreshReplies(TEAM_REPLY_HOLD_BACK);
            store.signals().listen(this::queueHeardFromTeam);
            // The safety net under the signals: a change whose signal was lost is seen within seconds anyway.
            routing.schedulePeriodically(
                    () -> heardFromTeam(ChangeSignals.Change.ANY),
                    TEAM_POLL.toMillis(),
                    TEAM_POLL.toMillis(),
                    TimeUnit.MILLISECONDS);
        } else {
            store.sessions().markAllDisconnected();
            presence.start();
        }
        ObjectNode hello = ServerJson.mapper()
                .createObjectNode()
                .put("version", options.version())
                .put("pid", ProcessHandle.current().pid())
                .put("started_at", startedAt.toString());
        DaemonIpc ipc = new DaemonIpc(registry, tools, toolRunner, hello, router::acked, pipeline::rerouteSoon);
        ipc.onHook(this::hook);
        DaemonIpc.PermissionRelay permissionRelay =
                (sessionId, params) -> hooks == null ? Optional.empty() : hooks.relayPermission(sessionId, params);
        ipc.onPermissionRequest(permissionRelay);
        relays = RelaySessions.start(
                tools, registry, toolRunner, permissionRelay, pipeline::rerouteSoon, options.version());
        ipc.onRelay(relays);
        ipc.onShutdownRequested(reason -> {
            log.info("asked to shut down: {}", reason);
            Thread t = new Thread(() -> onShutdownRequested.run(), "shutdown-request");
            t.start();
        });
        lock.socket().acceptInBackground(ipc::accept);
        storeWatch = new StoreWatch(store, pipeline::reroute);
        if (options.http()) {
            httpFront = HttpFrontStarter.start(this);
        }
        if (lark != null) {
            connectLark();
        } else {
            log.warn("no Lark app configured (run `lark-handoff init`); serving sessions without a Lark connection");
        }
        // A fixed access.json lets through what its breakage held back without waiting for the next message.
        inbound.schedulePeriodically(access::recheck, 2, 2, java.util.concurrent.TimeUnit.SECONDS);
        pipeline.reroute();
        log.info(
                "daemon {} serving {} (pid {})",
                options.version(),
                options.config().home(),
                ProcessHandle.current().pid());
    }

    private void connectLark() {
        lark.bot()
                .info()
                .subscribe(
                        info -> {
                            botOpenId.set(info.openId());
                            log.info("bot is {} ({})", info.appName(), info.openId());
                        },
                        e -> log.warn("could not read the bot's identity: {}", e.getMessage()));
        connection = lark.longConnection(LongConnectionOptions.defaults());
        // Stored on the inbound thread, whatever waits there at once in one commit (then each event acknowledged).
        subscription = connection.events().subscribeWith(new InboundBatches(pipeline::acceptAll, inbound::schedule));
    }

    /**
     * Queues one look for a burst of signals: a replay not started yet covers every signal that came before it (with
     * the widest kind among them), so at most one waits behind the running one however many arrive (each replay
     * reads every pending row).
     */
    private void queueHeardFromTeam(ChangeSignals.Change change) {
        if (accessTable != null && change == ChangeSignals.Change.ANY) {
            // The policy's row is not a row of the inbox: only a change of any kind may have touched it.
            accessTable.changedElsewhere();
        }
        if (teamReplayQueued.getAndAccumulate(change, (queued, c) -> queued == null ? c : queued.and(c)) == null) {
            routing.schedule(() -> heardFromTeam(teamReplayQueued.getAndSet(null)));
        }
    }

    /**
     * Another daemon of the team changed the store, or joined or left: look again for this daemon's sessions. The
     * team's sessions are read again unless only rows changed (the hot path: one stored event).
     */
    private void heardFromTeam(ChangeSignals.Change change) {
        if (closed.get()) {
            return;
        }
        if (teamSessions != null && change != ChangeSignals.Change.ROWS) {
            teamSessions.refresh();
        }
        pipeline.heard();
    }

    /** The Lark connection's state as status, doctor and the team's table show it. */
    private String larkConnectionState() {
        LongConnection c = connection;
        return lark == null
                ? "not configured"
                : c == null ? "down" : c.state().name().toLowerCase();
    }

    /** Answers a Claude Code hook (empty: nothing to say, Claude Code carries on as usual). */
    public java.util.Optional<ObjectNode> hook(String event, tools.jackson.databind.JsonNode input, Hooks.Caller caller)
            throws InterruptedException {
        return hooks == null ? java.util.Optional.empty() : hooks.handle(event, input, caller);
    }

    /** What a front needs to serve sessions: the tools, the registry, and the replay to run after a register. */
    public ToolCatalog tools() {
        return tools;
    }

    /** The HTTP front's base URL ({@code http://127.0.0.1:<port>}), or null when it is off. */
    public String httpUrl() {
        HttpFront front = httpFront;
        return front == null ? null : front.url();
    }

    public SessionRegistry registry() {
        return registry;
    }

    public DaemonOptions options() {
        return options;
    }

    /** Replays pending events and wakes waiting pull sessions (after a session registers). */
    public void sessionRegistered() {
        pipeline.reroute();
    }

    public Store store() {
        return store;
    }

    /** Runs when a peer asks this daemon to make way (a newer version is taking over). */
    public void onShutdownRequested(Runnable action) {
        this.onShutdownRequested = action;
    }

    /** Stops taking events (those in flight are answered first), closes the Lark connection, then everything else. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("daemon shutting down");
        LongConnection c = connection;
        if (c != null) {
            c.close(Duration.ofSeconds(3));
        }
        Disposable s = subscription;
        if (s != null) {
            s.dispose();
        }
        inbound.dispose();
        routing.dispose();
        RelaySessions r = relays;
        if (r != null) {
            r.close();
        }
        otherMachines.close();
        HttpFront front = httpFront;
        if (front != null) {
            // Gone with the front: a hook must not send the token to whoever takes the port next.
            HttpEndpointFile.remove(options.config().home(), front.url(), front.port());
        }
        closeQuietly(front);
        closeQuietly(lock);
        toolRunner.shutdownNow();
        closeQuietly(lark);
        closeQuietly(storeWatch);
        presence.close();
        store.close();
        log.info("daemon stopped");
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            log.warn("closing {} failed: {}", c.getClass().getSimpleName(), e.getMessage());
        }
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
