package dev.larkhandoff.server.daemon;

import dev.larkhandoff.server.tool.ToolSpec;
import dev.larkhandoff.server.ipc.DaemonIpc;
import dev.larkhandoff.server.session.SessionRegistry;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.routing.DeliveryTools;
import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.lark.LarkClientConfig;
import dev.larkhandoff.lark.im.OutgoingMessage;
import dev.larkhandoff.lark.ws.LongConnection;
import dev.larkhandoff.lark.ws.LongConnectionOptions;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.access.AccessFile;
import dev.larkhandoff.server.access.ChannelAccess;
import dev.larkhandoff.server.http.HttpFront;
import dev.larkhandoff.server.channel.ChannelMessaging;
import dev.larkhandoff.server.channel.ChannelMessagingTools;
import dev.larkhandoff.server.channel.ChannelOwnership;
import dev.larkhandoff.server.channel.ReceivedIndicator;
import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.handoff.HandoffClicks;
import dev.larkhandoff.server.handoff.HandoffException;
import dev.larkhandoff.server.handoff.HandoffInbox;
import dev.larkhandoff.server.handoff.HandoffOutbox;
import dev.larkhandoff.server.handoff.HandoffTools;
import dev.larkhandoff.server.handoff.Handoffs;
import dev.larkhandoff.server.handoff.MediaDownloads;
import dev.larkhandoff.server.handoff.StopFlags;
import dev.larkhandoff.server.hooks.Hooks;
import dev.larkhandoff.server.hooks.PermissionBridge;
import dev.larkhandoff.server.routing.InboundRecorder;
import dev.larkhandoff.server.routing.StalePending;
import dev.larkhandoff.server.workspace.GroupConfig;
import dev.larkhandoff.server.workspace.GroupDirectory;
import dev.larkhandoff.store.inbox.InboxEvent;
import dev.larkhandoff.server.routing.InboxRouter;
import dev.larkhandoff.server.routing.PullDeliveries;
import dev.larkhandoff.server.ipc.FrameDecoder;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.session.SessionRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
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
    private final ToolCatalog tools;
    private final HandoffInbox handoffInbox;
    private final InboundRecorder.CardCallbacks cardCallbacks;
    /** Null without a Lark app: hooks then have nothing to say. */
    private final PermissionBridge permissions;
    private final Hooks hooks;
    private final ExecutorService toolRunner;
    private final Instant startedAt;
    private final LarkClient lark;
    private final AtomicReference<String> botOpenId = new AtomicReference<>();
    private final AtomicReference<Instant> lastEventAt = new AtomicReference<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Scheduler inbound = Schedulers.newSingle("lark-inbound", true);
    private volatile LongConnection connection;
    private volatile Disposable subscription;
    private volatile HttpFront httpFront;
    private volatile StoreWatch storeWatch;
    private volatile Runnable onShutdownRequested = () -> { };

    private Daemon(DaemonOptions options, DaemonLock lock, Store store) {
        this.options = options;
        this.lock = lock;
        this.store = store;
        this.startedAt = options.clock().instant();
        this.registry = new SessionRegistry(store.sessions());
        AtomicReference<InboxRouter> routerRef = new AtomicReference<>();
        this.ownership = new ChannelOwnership(store.channel(), registry, () -> {
            InboxRouter r = routerRef.get();
            if (r != null) {
                r.replayPending();
                wake();
            }
        });
        registry.onRegistered(ownership::registered);
        this.lark = options.config().hasCredentials() ? LarkClient.create(LarkClientConfig.of(
                options.config().domain(), options.config().appId(), options.config().appSecret())) : null;
        this.access = new ChannelAccess(new AccessFile(options.config().home()), store.chats(),
                store.inbox(), options.clock(), botOpenId::get, this::tellChat, () -> inbound.schedule(() -> {
                    routerRef.get().replayPending();
                    wake();
                }));
        this.router = new InboxRouter(store.inbox(), store.bindings(), ownership, registry, access);
        routerRef.set(router);
        this.pulls = new PullDeliveries(router);
        ToolCatalog messagingTools;
        if (lark != null) {
            ReceivedIndicator indicator = new ReceivedIndicator(lark.messages(), new java.util.Random());
            router.onHandedOver(e -> {
                if ("im.message.receive_v1".equals(e.eventType()) && e.chatId() != null && e.messageId() != null) {
                    indicator.received(e.chatId(), e.messageId());
                }
            });
            messagingTools = ChannelMessagingTools.of(new ChannelMessaging(lark.messages(), store.chats()), indicator);
        } else {
            messagingTools = unconfigured(ChannelMessagingTools.specs());
        }
        this.handoffInbox = new HandoffInbox(store.inbox(), store.bindings(), store.chats(), store.settings());
        ToolCatalog handoffTools;
        DeliveryTools.HandoffWait handoffWait;
        if (lark != null) {
            StopFlags stopFlags = new StopFlags(store.settings(), options.clock());
            GroupConfig groupConfig = new GroupConfig(lark, store.chats(), options.clock(), GroupConfig.DEFAULT_TTL);
            GroupDirectoryOnDemand directory = new GroupDirectoryOnDemand(() -> new GroupDirectory(lark, store,
                    groupConfig, operatorOpenId()));
            HandoffOutbox outbox = new HandoffOutbox(lark.messages(), store.chats(), store.settings(), stopFlags,
                    options.clock());
            Handoffs handoffs = new Handoffs(lark, store, directory, groupConfig, handoffInbox, outbox,
                    stopFlags, new MediaDownloads(lark.resources(), options.config().home(),
                            MediaDownloads.Limits.DEFAULT), options.clock(), machineName());
            handoffTools = HandoffTools.of(handoffs);
            handoffWait = (call, timeout) -> HandoffTools.waitIfBound(handoffs, call, timeout);
            this.permissions = new PermissionBridge(store.inbox(), groupConfig, outbox, lark.messages(),
                    store.settings(), options.clock(), options.permissionTimeout());
            this.hooks = new Hooks(store.bindings(), stopFlags, permissions, groupConfig, outbox);
            this.cardCallbacks = new HandoffClicks(stopFlags, store.bindings(), store.chats());
        } else {
            this.permissions = null;
            this.hooks = null;
            handoffTools = unconfigured(HandoffTools.specs());
            handoffWait = DeliveryTools.HandoffWait.NONE;
            this.cardCallbacks = InboundRecorder.CardCallbacks.NONE;
        }
        this.tools = ToolCatalog.builder()
                .addAll(messagingTools)
                .addAll(DeliveryTools.of(pulls, handoffWait, HandoffTools.DEFAULT_TIMEOUT_SECONDS))
                .addAll(handoffTools)
                .addAll(OwnershipTools.of(ownership, this::factsForOneStatus, this::offlineSessions, this::daemonBlock))
                .build();
        this.toolRunner = Executors.newCachedThreadPool(named("tool"));
    }

    /** The same tools, each answering that no Lark app is configured (so agents see them and learn why). */
    private static ToolCatalog unconfigured(java.util.List<ToolSpec> specs) {
        ToolCatalog.Builder b = ToolCatalog.builder();
        specs.forEach(spec -> b.add(spec, call -> ToolResult.error(spec.name()
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
            store = Store.open(home, options.clock());
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
        store.sessions().markAllDisconnected();
        ObjectNode hello = ServerJson.mapper().createObjectNode()
                .put("version", options.version())
                .put("pid", ProcessHandle.current().pid())
                .put("started_at", startedAt.toString());
        DaemonIpc ipc = new DaemonIpc(registry, tools, toolRunner, hello, router::acked, () -> {
            router.replayPending();
            wake();
        });
        ipc.onHook(this::hook);
        ipc.onPermissionRequest((sessionId, params) -> hooks == null ? Optional.empty()
                : hooks.relayPermission(sessionId, params));
        ipc.onShutdownRequested(reason -> {
            log.info("asked to shut down: {}", reason);
            Thread t = new Thread(() -> onShutdownRequested.run(), "shutdown-request");
            t.start();
        });
        lock.socket().acceptInBackground(ipc::accept);
        storeWatch = new StoreWatch(store, () -> {
            router.replayPending();
            wake();
        });
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
        router.replayPending();
        log.info("daemon {} serving {} (pid {})", options.version(), options.config().home(),
                ProcessHandle.current().pid());
    }

    private void connectLark() {
        lark.bot().info().subscribe(info -> {
            botOpenId.set(info.openId());
            log.info("bot is {} ({})", info.appName(), info.openId());
        }, e -> log.warn("could not read the bot's identity: {}", e.getMessage()));
        InboundRecorder recorder = new InboundRecorder(store.inbox(), (row, result) -> {
            lastEventAt.set(options.clock().instant());
            router.replayPending();
            wake();
        }, this::placeInChat, cardCallbacks);
        connection = lark.longConnection(LongConnectionOptions.defaults());
        subscription = connection.events().publishOn(inbound).subscribe(recorder::accept,
                e -> log.error("the Lark long connection gave up: {}", e.getMessage()));
    }

    private void wake() {
        pulls.wake();
        handoffInbox.wake();
        if (permissions != null) {
            permissions.wake();
        }
    }

    /** Answers a Claude Code hook (empty: nothing to say, Claude Code carries on as usual). */
    public java.util.Optional<ObjectNode> hook(String event, tools.jackson.databind.JsonNode input, Hooks.Caller caller)
            throws InterruptedException {
        return hooks == null ? java.util.Optional.empty() : hooks.handle(event, input, caller);
    }

    /** A reaction names only its message: it belongs to the chat that message was sent (by the bot) or received in. */
    private InboxEvent placeInChat(InboxEvent event) {
        if (event.chatId() != null || event.messageId() == null) {
            return event;
        }
        return store.chats().lookupParent(event.messageId()).map(sent -> sent.chatId())
                .or(() -> store.inbox().chatOfMessage(event.messageId()))
                .map(event::withChatId)
                .orElse(event);
    }

    /** The operator's open_id, looked up in Lark by the configured email. */
    private String operatorOpenId() {
        String email = options.config().operatorEmail();
        if (email == null || email.isBlank()) {
            throw new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, "no operator is configured: set "
                    + "operator_email in " + options.config().home().resolve(LarkHandoffConfig.FILE_NAME) + " (or "
                    + Environment.OPERATOR_EMAIL + ") to your Lark login email and restart the daemon");
        }
        Optional<String> id;
        try {
            id = lark.contacts().openIdByEmail(email).block(Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            throw new HandoffException(HandoffException.Problem.LARK_ERROR, "could not look up the operator "
                    + email + " in Lark: " + e.getMessage(), e);
        }
        return id.orElseThrow(() -> new HandoffException(HandoffException.Problem.NOT_FOUND, "Lark has no user "
                + "with the email " + email + " that this app can see (check the email, and that the app is "
                + "available to that user with the contact scope)"));
    }

    /** This computer's short name, as handoff group names show it. */
    private static String machineName() {
        try {
            String name = java.net.InetAddress.getLocalHost().getHostName();
            int dot = name.indexOf('.');
            return dot > 0 ? name.substring(0, dot) : name;
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    /** Sends a short notice to a chat without blocking the caller (pairing codes). */
    private void tellChat(String chatId, String text) {
        if (lark == null || chatId == null) {
            return;
        }
        lark.messages().sendToChat(chatId, OutgoingMessage.text(text))
                .subscribe(m -> { }, e -> log.warn("could not send a notice to {}: {}", chatId, e.getMessage()));
    }

    /** Facts for every session of one status document, from one read of the pending rows. */
    private java.util.function.Function<String, ChannelOwnership.SessionFacts> factsForOneStatus() {
        java.util.Map<String, Long> pending = pendingBySession();
        return sessionId -> {
            var live = registry.entry(sessionId);
            Optional<SessionRecord> record = store.sessions().find(sessionId);
            String mode = live.map(e -> e.deliveryMode().column())
                    .orElse(record.map(r -> r.deliveryMode().column()).orElse(null));
            return new ChannelOwnership.SessionFacts(live.isPresent(), mode, pending.getOrDefault(sessionId, 0L),
                    record.map(SessionRecord::lastSeenAt).orElse(null));
        };
    }

    /** Sessions not connected that still matter: they own, dispatch or hold the grant, or messages wait for them. */
    private java.util.List<Map<String, Object>> offlineSessions() {
        var state = ownership.current();
        java.util.Set<String> named = new java.util.HashSet<>();
        java.util.Collections.addAll(named, state.ownerSessionId(), state.dispatcherSessionId(),
                state.grantedSessionId());
        java.util.Map<String, Long> pendingBy = pendingBySession();
        java.util.List<Map<String, Object>> out = new java.util.ArrayList<>();
        for (SessionRecord r : store.sessions().all()) {
            if (registry.entry(r.sessionId()).isPresent()
                    || !(named.contains(r.sessionId()) || pendingBy.containsKey(r.sessionId()))) {
                continue;
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("sessionId", r.sessionId());
            e.put("role", r.role().column());
            e.put("metadata", ServerJson.mapper().readValue(r.metadataJson(), Map.class));
            e.put("connected", false);
            e.put("delivery_mode", r.deliveryMode().column());
            e.put("pending", pendingBy.getOrDefault(r.sessionId(), 0L));
            e.put("last_seen_at", r.lastSeenAt());
            out.add(e);
        }
        return out;
    }

    /**
     * Pending events by the session they wait for: the session bound to their chat, else the one they were
     * routed to, else the channel's owner (rows for an offline owner are not routed yet).
     */
    private java.util.Map<String, Long> pendingBySession() {
        String owner = ownership.current().ownerSessionId();
        java.util.Map<String, Optional<dev.larkhandoff.store.handoff.Binding>> bindingOf = new java.util.HashMap<>();
        java.util.Map<String, Long> out = new java.util.HashMap<>();
        store.inbox().pending().forEach(r -> {
            var e = r.event();
            String session = e.chatId() == null ? null : bindingOf.computeIfAbsent(e.chatId(),
                    store.bindings()::find).map(dev.larkhandoff.store.handoff.Binding::sessionId).orElse(null);
            if (session == null) {
                session = e.targetSessionId() != null ? e.targetSessionId() : owner;
            }
            if (session != null) {
                out.merge(session, 1L, Long::sum);
            }
        });
        return out;
    }

    private Map<String, Object> daemonBlock() {
        Map<String, Object> block = new LinkedHashMap<>();
        block.put("version", options.version());
        block.put("pid", ProcessHandle.current().pid());
        block.put("started_at", startedAt.toString());
        block.put("home", options.config().home().toString());
        block.put("lark_connection", connection == null ? "not configured" : connection.state().name().toLowerCase());
        Instant last = lastEventAt.get();
        block.put("last_event_at", last == null ? null : last.toString());
        block.put("pending", store.inbox().pending().size());
        block.put("running_calls", registry.calls().size());
        block.put("pending_over_10_min", StalePending.count(store, options.clock()));
        StoreWatch watch = storeWatch;
        if (watch != null) {
            block.put("store", watch.status());
        }
        HttpFront front = httpFront;
        block.put("http_url", front == null ? null : front.url());
        return block;
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
        router.replayPending();
        wake();
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
