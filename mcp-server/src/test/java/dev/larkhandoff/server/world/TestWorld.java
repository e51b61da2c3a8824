package dev.larkhandoff.server.world;

import dev.larkhandoff.emulator.EmulatorOptions;
import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.model.EmuApp;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.lark.LarkClientConfig;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.access.AccessFile;
import dev.larkhandoff.server.access.AccessPolicy;
import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.config.SessionIdentity;
import dev.larkhandoff.server.daemon.Daemon;
import dev.larkhandoff.server.daemon.DaemonOptions;
import dev.larkhandoff.server.handoff.HandoffTools;
import dev.larkhandoff.server.ipc.DaemonClient;
import dev.larkhandoff.server.ipc.DaemonIpc;
import dev.larkhandoff.server.ipc.DaemonSocket;
import dev.larkhandoff.server.ipc.FrameDecoder;
import dev.larkhandoff.server.session.SessionRegistry;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.testing.EmulatorExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one test world of the daemon's tests, a JUnit 5 extension built in levels, each on the one below: the emulator
 * as Lark (with an operator, and a group she talks in) → a fresh home configured for its app → a store on that home
 * with a Lark client → a daemon in this JVM, started as {@code lark-handoff daemon} starts it → child-process proxies
 * ({@link AgentSession}, {@link RawStdio}). Register with {@code @RegisterExtension} on an instance field for a world
 * per test, or on a static field for one per class; everything it started is taken down after, in reverse order, and
 * so is every daemon process a proxy spawned for its home.
 */
public final class TestWorld implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    /** What a world has: each level is off unless asked for, and asking for one turns on those it needs. */
    public static final class Builder {
        private EmulatorOptions larkOptions;
        private String operatorName;
        private String operatorEmail;
        private String groupName;
        private boolean config;
        private Supplier<? extends Clock> storeClocks;
        private boolean daemon;
        private String version = "test";
        private boolean http = true;

        private Builder() {}

        /** The emulator as Lark, with its defaults. */
        public Builder lark() {
            return lark(EmulatorOptions.defaults());
        }

        public Builder lark(EmulatorOptions options) {
            this.larkOptions = options;
            return this;
        }

        /** A person in Lark who operates lark-handoff (her email goes into the config). */
        public Builder operator(String name, String email) {
            if (larkOptions == null) {
                lark();
            }
            this.operatorName = name;
            this.operatorEmail = email;
            return this;
        }

        public Builder operator(String name) {
            return operator(name, null);
        }

        /** A group with the operator in it, where she is allowed and talks to the bot without @-mentioning it. */
        public Builder group(String name) {
            if (operatorName == null) {
                throw new IllegalStateException("a group needs an operator");
            }
            this.groupName = name;
            return config();
        }

        /** The home's config.json for the emulator's app, as {@code lark-handoff init} writes it (none without Lark). */
        public Builder config() {
            this.config = true;
            return this;
        }

        /** A store on the home, on the system clock, and a client of the emulator (when there is one). */
        public Builder store() {
            return store(Clock::systemUTC);
        }

        /** As {@link #store()}, each store (this machine's and each other one's) on a clock from {@code clocks}. */
        public Builder store(Supplier<? extends Clock> clocks) {
            this.storeClocks = clocks;
            return this;
        }

        /** A daemon in this JVM advertising {@code version}, serving the home's socket and HTTP front. */
        public Builder daemon(String version) {
            this.daemon = true;
            this.version = version;
            return config();
        }

        public Builder daemon() {
            return daemon(version);
        }

        /** The daemon serves its socket only. */
        public Builder withoutHttp() {
            this.http = false;
            return this;
        }

        public TestWorld build() {
            if (daemon && storeClocks != null) {
                throw new IllegalStateException("the daemon opens the store itself");
            }
            return new TestWorld(this);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private final Builder spec;
    private boolean perClass;
    private Path home;
    private EmulatorExtension lark;
    private EmuUser operator;
    private EmuChat group;
    private Machine machine;
    private Daemon daemon;
    private final List<DaemonClient> daemonClients = new ArrayList<>();
    private final Deque<AutoCloseable> tracked = new ArrayDeque<>();

    private TestWorld(Builder spec) {
        this.spec = spec;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        perClass = true;
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (!perClass) {
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            stop();
        }
    }

    private void start() throws Exception {
        home = Files.createTempDirectory("world");
        if (spec.larkOptions != null) {
            lark = new EmulatorExtension(spec.larkOptions);
            lark.start();
            if (spec.operatorName != null) {
                operator = spec.operatorEmail == null
                        ? control().addUser(spec.operatorName)
                        : control().addUser(spec.operatorName, spec.operatorEmail);
            }
            if (spec.groupName != null) {
                group = control().createGroup(spec.groupName, operator);
            }
        }
        if (spec.config && lark != null) {
            saveConfig();
        }
        if (spec.storeClocks != null) {
            machine = new Machine(home, spec.storeClocks.get(), lark == null ? null : lark.emulator());
        }
        if (spec.daemon) {
            startDaemon();
        }
    }

    private void saveConfig() throws IOException {
        LarkHandoffConfig config = new LarkHandoffConfig(home, app().appId(), app().appSecret(), lark().baseUrl());
        (spec.operatorEmail == null ? config : config.withOperatorEmail(spec.operatorEmail)).save();
        if (group != null) {
            new AccessFile(home)
                    .save(AccessPolicy.defaults()
                            .withAllowFrom(List.of(operator.openId()))
                            .withGroups(Map.of(group.chatId, new AccessPolicy.GroupRule(false, List.of()))));
        }
    }

    private void stop() {
        List<Throwable> failures = new ArrayList<>();
        while (!tracked.isEmpty()) {
            // What a test added may be gone already: the scenario killed it.
            quietly(tracked.pop()::close, new ArrayList<>());
        }
        if (daemon != null) {
            quietly(this::stopDaemon, failures);
        }
        if (machine != null) {
            quietly(machine::close, failures);
            machine = null;
        }
        if (home != null) {
            daemonsOf(home).forEach(ProcessHandle::destroyForcibly);
        }
        if (lark != null) {
            quietly(lark::close, failures);
            lark = null;
        }
        if (home != null) {
            deleteQuietly(home);
            home = null;
        }
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("the world did not come down cleanly", failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    private static void quietly(AutoCloseable closeable, List<Throwable> failures) {
        try {
            closeable.close();
        } catch (Exception | AssertionError e) {
            failures.add(e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // what is left is in the temp dir, where the system clears it
        }
    }

    // ---- level 1: Lark ----

    /** The emulator (the world must have Lark). */
    public LarkEmulator lark() {
        return emulatorLevel().emulator();
    }

    public EmulatorControl control() {
        return lark().control();
    }

    /** The emulator's questions and shortcuts (a group the bot owns, calls made, a message awaited). */
    public EmulatorExtension emulator() {
        return emulatorLevel();
    }

    private EmulatorExtension emulatorLevel() {
        if (lark == null) {
            throw new IllegalStateException("this world has no Lark: ask the builder for lark()");
        }
        return lark;
    }

    private EmuApp app() {
        return lark().app();
    }

    public EmuUser operator() {
        return operator;
    }

    public EmuChat group() {
        return group;
    }

    /** The operator writes {@code text} in the group. */
    public void operatorSays(String text) {
        control().sendText(operator, group.chatId, text);
    }

    /** The newest message the bot posted in the chat whose content contains {@code text}, once there is one. */
    public EmuMessage awaitBotMessage(String chatId, String text) {
        return emulatorLevel().awaitBotMessage(chatId, text);
    }

    public List<String> reactions(String messageId) {
        return emulatorLevel().reactions(messageId);
    }

    // ---- level 2: the home ----

    public Path home() {
        return home;
    }

    // ---- level 3: a store and a Lark client ----

    /** What one computer has: a home, a store on it, its clock, and a client of the same Lark. */
    public static final class Machine implements AutoCloseable {
        private final Path home;
        private final Clock clock;
        private final Store store;
        private final LarkClient client;
        private boolean closed;

        private Machine(Path home, Clock clock, LarkEmulator lark) {
            this.home = home;
            this.clock = clock;
            this.client = lark == null
                    ? null
                    : LarkClient.create(LarkClientConfig.of(
                            lark.baseUrl(), lark.app().appId(), lark.app().appSecret()));
            this.store = Store.open(home, clock);
        }

        public Path home() {
            return home;
        }

        public Clock clock() {
            return clock;
        }

        public Store store() {
            return store;
        }

        public LarkClient client() {
            return client;
        }

        /** Closes the client and the store (once: a test may close another machine before the world does). */
        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (client != null) {
                client.close();
            }
            store.close();
        }
    }

    /** This machine: the world's home, store and client. */
    public Machine machine() {
        if (machine == null) {
            throw new IllegalStateException("this world has no store: ask the builder for store()");
        }
        return machine;
    }

    public Store store() {
        return machine().store();
    }

    public LarkClient client() {
        return machine().client();
    }

    public Clock clock() {
        return machine().clock();
    }

    /** Another computer: its own home, store and clock, a client of the same Lark. */
    public Machine otherMachine() {
        Path otherHome;
        try {
            otherHome = Files.createTempDirectory("other");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        track(() -> deleteQuietly(otherHome));
        return track(new Machine(otherHome, spec.storeClocks.get(), lark == null ? null : lark.emulator()));
    }

    /**
     * Serves the home's socket the way the daemon does, with parts a test chose (a router with its own verdict, tools
     * of its own), for tests of the socket and routing below a whole daemon.
     */
    public DaemonSocket serveSocket(
            SessionRegistry registry, ToolCatalog tools, BiConsumer<String, String> onAck, Runnable afterRegistered)
            throws IOException {
        return serveSocket(
                registry,
                tools,
                ServerJson.mapper().createObjectNode().put("version", "0.1.0"),
                onAck,
                afterRegistered);
    }

    /** As {@link #serveSocket(SessionRegistry, ToolCatalog, BiConsumer, Runnable)}, saying {@code hello}. */
    public DaemonSocket serveSocket(
            SessionRegistry registry,
            ToolCatalog tools,
            ObjectNode hello,
            BiConsumer<String, String> onAck,
            Runnable afterRegistered)
            throws IOException {
        ExecutorService toolRunner = Executors.newCachedThreadPool();
        track(toolRunner::shutdownNow);
        DaemonIpc ipc = new DaemonIpc(registry, tools, toolRunner, hello, onAck, afterRegistered);
        DaemonSocket socket = track(DaemonSocket.bind(home, FrameDecoder.DEFAULT_MAX_FRAME));
        socket.acceptInBackground(ipc::accept);
        return socket;
    }

    // ---- level 4: the daemon in this JVM ----

    /** Starts the daemon as the CLI does, from the home's config (a running one is stopped first). */
    public Daemon startDaemon() throws IOException {
        return startDaemon(DaemonOptions.DEFAULT_PERMISSION_TIMEOUT);
    }

    /** As {@link #startDaemon()}, with this permission timeout. */
    public Daemon startDaemon(Duration permissionTimeout) throws IOException {
        if (daemon != null) {
            stopDaemon();
        }
        DaemonOptions options = DaemonOptions.of(config(), spec.version).withPermissionTimeout(permissionTimeout);
        daemon = Daemon.start(spec.http ? options : options.withoutHttp());
        return daemon;
    }

    /** The home's config as the CLI reads it. */
    public LarkHandoffConfig config() {
        return LarkHandoffConfig.load(Environment.of(Map.of("LARK_HANDOFF_HOME", home.toString())));
    }

    /** Stops the daemon (as a crash would, for the store: the next one starts from what is on disk). */
    public void stopDaemon() {
        daemonClients.forEach(DaemonClient::close);
        daemonClients.clear();
        daemon.close();
        daemon = null;
    }

    public Daemon daemon() {
        return daemon;
    }

    /** A session connected over the socket as a proxy would: {@code id}, with a project directory in the home. */
    public Session session(String id) throws IOException {
        DaemonClient client = DaemonClient.connect(
                home,
                SessionIdentity.from(
                        Environment.of(Map.of(
                                "LARK_HANDOFF_SESSION_ID",
                                id,
                                "CLAUDE_PROJECT_DIR",
                                home.resolve("project").toString())),
                        DeliveryMode.PUSH),
                "test",
                1,
                (c, m) -> {},
                () -> {},
                Duration.ofSeconds(10));
        daemonClients.add(client);
        return new Session("session:" + id, client);
    }

    /** One session connected over the socket, and its tool calls. */
    public record Session(String id, DaemonClient client) {

        public ToolResult call(String tool, Map<String, Object> args) {
            try {
                return client.callTool(tool, args).get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError(tool + " did not answer", e);
            }
        }

        /** The call's JSON, failing the test on an error result. */
        public JsonNode ok(String tool, Map<String, Object> args) {
            ToolResult r = call(tool, args);
            if (r.isError()) {
                throw new AssertionError(tool + " answered an error: " + r.text());
            }
            return ServerJson.mapper().readTree(r.text());
        }

        public CompletableFuture<JsonNode> async(String tool, Map<String, Object> args) {
            return CompletableFuture.supplyAsync(() -> ok(tool, args));
        }

        /** Starts a handoff in a new group and returns its chat id. */
        public String start() {
            return ok(HandoffTools.START, Map.of("model", "claude-opus-4", "tool", "Claude Code", "mode", "new"))
                    .path("chat_id")
                    .asString();
        }
    }

    // ---- level 5: child-process proxies ----

    /** An agent session as Claude Code runs it: a proxy process for the home, driven by the MCP SDK client. */
    public AgentSession session(String id, String role, Map<String, String> meta) {
        return session(id, role, meta, Map.of());
    }

    /** As {@link #session(String, String, Map)}, with more environment for the proxy. */
    public AgentSession session(String id, String role, Map<String, String> meta, Map<String, String> env) {
        return track(AgentSession.start(home, id, role, meta, env));
    }

    public AgentSession dispatcher(String id) {
        return session(id, "dispatcher", Map.of());
    }

    public AgentSession teammate(String id, String teammateName) {
        return session(id, "session", teammateName == null ? Map.of() : Map.of("teammate_name", teammateName));
    }

    /** A proxy process for the home driven line by line, initialized. */
    public RawStdio rawStdio(String id, Map<String, String> env) throws Exception {
        return track(RawStdio.start(home, id, env));
    }

    /** A proxy process for the home driven line by line, not yet initialized, its stderr on the test's. */
    public RawStdio launchRawStdio(String id) throws IOException {
        return launchRawStdio(id, ProcessBuilder.Redirect.INHERIT);
    }

    /** As {@link #launchRawStdio(String)}, its stderr going to {@code stderr}. */
    public RawStdio launchRawStdio(String id, ProcessBuilder.Redirect stderr) throws IOException {
        return track(RawStdio.launch(home, id, Map.of(), stderr));
    }

    /** The daemon processes serving this home (normally exactly one), found by their command lines. */
    public List<ProcessHandle> daemons() {
        return daemonsOf(home);
    }

    /** Closes {@code closeable} when the world comes down, before the levels below it. */
    public <T extends AutoCloseable> T track(T closeable) {
        tracked.push(closeable);
        return closeable;
    }

    /** The {@code lark-handoff daemon} processes serving {@code home}. */
    public static List<ProcessHandle> daemonsOf(Path home) {
        String homeArg = home.toString();
        return processes((args, env) -> args.contains("daemon") && args.contains(homeArg));
    }

    /**
     * Every process started for {@code home}: proxies (LARK_HANDOFF_HOME in their environment) and daemons
     * ({@code --home <home>} on their command line). Never this JVM.
     */
    public static List<ProcessHandle> processesOf(Path home) {
        String envEntry = "LARK_HANDOFF_HOME=" + home;
        return processes((args, env) -> {
            int homeOption = args.indexOf("--home");
            boolean daemonOfHome = homeOption >= 0
                    && homeOption + 1 < args.size()
                    && args.get(homeOption + 1).equals(home.toString());
            return daemonOfHome || env.get().contains(envEntry);
        });
    }

    private static List<ProcessHandle> processes(BiPredicate<List<String>, Supplier<List<String>>> matches) {
        long self = ProcessHandle.current().pid();
        List<ProcessHandle> out = new ArrayList<>();
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                String name = dir.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit) || Long.parseLong(name) == self) {
                    continue;
                }
                try {
                    List<String> args = nulSeparated(dir.resolve("cmdline"));
                    Supplier<List<String>> env = () -> {
                        try {
                            return nulSeparated(dir.resolve("environ"));
                        } catch (IOException e) {
                            return List.of();
                        }
                    };
                    if (matches.test(args, env)) {
                        ProcessHandle.of(Long.parseLong(name))
                                .filter(ProcessHandle::isAlive)
                                .ifPresent(out::add);
                    }
                } catch (IOException gone) {
                    // ended while we looked, or not ours to read
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static List<String> nulSeparated(Path file) throws IOException {
        return List.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\0"));
    }
}
