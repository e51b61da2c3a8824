package dev.larkhandoff.bench;

import dev.larkhandoff.emulator.EmulatorOptions;
import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.access.AccessFile;
import dev.larkhandoff.server.access.AccessPolicy;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.daemon.HttpEndpointFile;
import dev.larkhandoff.server.handoff.HandoffTools;
import dev.larkhandoff.store.StoreLocation;
import dev.larkhandoff.store.postgres.LocalPostgres;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Measures team mode (docs/team-mode.md) end to end: two daemons of one Lark app, each spawned by a real stdio proxy
 * of its own home ("alpha" and "beta", two machines in one), sharing one PostgreSQL store the bench starts itself,
 * with the emulator as Lark handing each event to one of the app's two long connections. (1) Inbound event → channel
 * notification latency when the event lands on the connection of the daemon serving the dispatcher (same daemon) and
 * when it lands on the other daemon's (across daemons, through the store's NOTIFY), beside one daemon on SQLite in
 * the same run; (2) the highest zero-loss rate with the events spread at random between the two; (3) an operator's
 * click on a permission card delivered to either daemon, to the hook's answer. Every process it starts is ended at
 * the end, also on failure. Writes its section of bench/RESULTS.md.
 */
public final class TeamBench {

    private static final Logger log = LoggerFactory.getLogger(TeamBench.class);

    static final String OPERATOR_EMAIL = "alice@example.com";
    /** The emulator's index of each daemon's long connection: alpha's daemon connects first. */
    static final int ALPHA = 0;

    static final int BETA = 1;
    /** No pin: the emulator picks one of the connections at random, as Lark does. */
    static final int RANDOM = -1;

    static final int[] RATES = {50, 200};
    /** Long enough for C2 (the daemon runs without the CLI's C1-only flag) to compile the hot path: a daemon runs for days. */
    static final double WARM_UP_SECONDS = 10;
    /**
     * The two paths take turns this long each within one stream of events, so that both see the same machine (a
     * busy moment of another build, a collection) in the same proportion.
     */
    static final double TURN_SECONDS = 1;
    /** What the issue allows the cross-daemon path over the same-daemon one, at p99. */
    static final double GOAL_MILLIS = 10;

    static final int PERMISSION_WARM_UP_ROUNDS = 4;
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final Duration TIME_LIMIT = Duration.ofMinutes(8);
    static final int CAPACITY = 200_000;

    private final Path launcher;
    private final Path repoRoot;
    private final Path base;
    private final Path hookScript;
    private final LarkEmulator emulator;
    private final EmulatorControl control;
    private final EmuUser alice;
    private final EmuChat group;
    private final DaemonBench.Ledger ledger = new DaemonBench.Ledger(CAPACITY);
    /** The connection each event was pinned to ({@link #ALPHA}, {@link #BETA} or {@link #RANDOM}), by sequence. */
    private final byte[] pinOf = new byte[CAPACITY];
    /** Channel notifications written by a proxy other than the dispatcher's (there should be none). */
    private final AtomicInteger stray = new AtomicInteger();

    private final List<ProxyProcess> proxies = new CopyOnWriteArrayList<>();
    private final DoubleAdder stoppedDaemonsCpu = new DoubleAdder();
    private volatile LocalPostgres postgres;
    private volatile HookProcess.Running permissionHook;
    private int nextSeq;
    private boolean cleanedUp;

    private TeamBench(Path launcher) throws IOException {
        this.launcher = launcher.toAbsolutePath().normalize();
        this.repoRoot = this.launcher.getParent();
        this.hookScript = repoRoot.resolve(HookBench.SCRIPT);
        // Short: each daemon's Unix socket lives in its home, and socket paths are limited to ~100 bytes.
        this.base = Files.createTempDirectory("lht");
        this.emulator = LarkEmulator.start(EmulatorOptions.defaults().withPort(0), null, null);
        this.control = emulator.control();
        this.alice = control.addUser("Alice", OPERATOR_EMAIL);
        this.group = control.createGroup("bench", alice);
    }

    public static void main(String[] args) throws Exception {
        ResultsFile results = ResultsFile.open(Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md"));
        Path launcher = Path.of(args.length > 1 ? args[1] : "lark-handoff");
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 14;
        int permissionRounds = args.length > 3 ? Integer.parseInt(args[3]) : 15;
        if (seconds < 2 * TURN_SECONDS || permissionRounds < 0) {
            throw new IllegalArgumentException("at least " + 2 * TURN_SECONDS + " s a rate, and 0 or more rounds");
        }
        DaemonProcesses.requireLauncher(launcher);
        TeamBench bench = new TeamBench(launcher);
        if (permissionRounds > 0 && !Files.isRegularFile(bench.hookScript)) {
            throw new IllegalArgumentException("no hook script at " + bench.hookScript);
        }
        results.childrenCpu(bench::childrenCpuSeconds);
        HarnessRun.run(
                "TeamBench",
                results,
                "team",
                "Team mode: two daemons sharing one PostgreSQL store (TeamBench)",
                TIME_LIMIT,
                bench::cleanUp,
                bench::printLogs,
                () -> bench.run(seconds, permissionRounds));
    }

    // ---------------------------------------------------------------------------------------------------------

    private String run(double seconds, int permissionRounds) throws Exception {
        long started = System.nanoTime();

        // One daemon on SQLite: the figure the team's are read against, from the same run.
        Path soloHome = base.resolve("solo");
        configure(soloHome, null);
        log.info("one daemon on SQLite: starting the dispatcher's proxy (it spawns the daemon)");
        ProxyProcess solo = startProxy(soloHome, "solo-dispatcher", "dispatcher", "solo", soloHome, ledger);
        Daemons soloDaemons = new Daemons(DaemonProcesses.awaitDaemon(soloHome), -1, solo.pid());
        String daemonCommand = DaemonProcesses.commandLine(soloDaemons.alpha(), soloHome, repoRoot);
        awaitConnections(1);
        Thread.sleep(1_000); // the daemon finishes connecting to Lark
        log.info("SQLite: warm-up, {} s at 200 events/s", WARM_UP_SECONDS);
        stream("warm-up", 200, WARM_UP_SECONDS, i -> RANDOM, false, soloDaemons);
        requireQuiet();
        List<Stream> soloStreams = new ArrayList<>();
        for (int rate : RATES) {
            // Half the team's time: as many events as each of the team's two paths gets.
            Stream s = stream("SQLite", rate, seconds / 2, i -> RANDOM, false, soloDaemons);
            soloStreams.add(s);
            log.info(
                    "SQLite, {} events/s: {}",
                    rate,
                    Route.of("", s, RANDOM, ledger, pinOf).summary());
            requireQuiet();
        }
        closeProxy(solo);
        stopDaemons(soloHome);
        awaitConnections(0);

        // The team: alpha's daemon serves the dispatcher; beta's daemon runs for a teammate session of its own.
        log.info("starting PostgreSQL");
        postgres = LocalPostgres.start(base.resolve("pg"));
        StoreLocation.Postgres db = postgres.createDatabase("team");
        String postgresVersion = serverVersion(db);
        String url = db.urlWithPassword();
        Path alphaHome = base.resolve("alpha");
        Path betaHome = base.resolve("beta");
        configure(alphaHome, url);
        configure(betaHome, url);
        log.info("team: starting alpha's dispatcher, then beta's teammate (each spawns its daemon)");
        ProxyProcess dispatcher = startProxy(alphaHome, "alpha-dispatcher", "dispatcher", "alpha", alphaHome, ledger);
        long alphaPid = DaemonProcesses.awaitDaemon(alphaHome);
        awaitConnections(1);
        ProxyProcess teammate = startProxy(
                betaHome, "beta-teammate", "session", "beta", betaHome, (t, line) -> stray.incrementAndGet());
        long betaPid = DaemonProcesses.awaitDaemon(betaHome);
        awaitConnections(2);
        awaitTeamOfTwo(dispatcher);
        awaitTeamOfTwo(teammate);
        Daemons team = new Daemons(alphaPid, betaPid, dispatcher.pid());
        int opened = emulator.gateway().connectionsOpened();
        requireConnectionsAsPinned(team, dispatcher, teammate);

        // (3) first: later, the daemons' Lark clients are busy for a while with the "received" reactions of (1)
        // and (2), and the permission card would wait behind them.
        Permissions permissions = null;
        if (permissionRounds > 0) {
            permissions = permissions(alphaHome, permissionRounds);
        }

        // (1) the two paths in turns, at each rate
        log.info("team: warm-up, {} s at 200 events/s, the two paths in turns", WARM_UP_SECONDS);
        stream("warm-up", 200, WARM_UP_SECONDS, turns(200), false, team);
        requireQuiet();
        List<Stream> teamStreams = new ArrayList<>();
        for (int rate : RATES) {
            Stream s = stream("team", rate, seconds, turns(rate), false, team);
            teamStreams.add(s);
            log.info(
                    "team, {} events/s: same daemon {}; across daemons {}",
                    rate,
                    Route.of("", s, ALPHA, ledger, pinOf).summary(),
                    Route.of("", s, BETA, ledger, pinOf).summary());
            requireQuiet();
        }
        if (emulator.gateway().connectionsOpened() != opened) {
            throw new IllegalStateException("a daemon connected to Lark again during (1): the connection each event "
                    + "was pinned to may not be the daemon it was meant for");
        }

        // (2) random spread, stepped rates
        emulator.gateway().deliverTo(null);
        List<Step> steps = steps(team);

        double minutes = (System.nanoTime() - started) / 60e9;
        return report(new Report(
                seconds, daemonCommand, postgresVersion, soloStreams, teamStreams, steps, permissions, minutes));
    }

    // ---- setup ----------------------------------------------------------------------------------------------

    /**
     * A home as the scenarios' TestWorld makes one (the emulator's app, Alice the operator and allowlisted, no
     * @-mention needed in the group), and with {@code storeUrl} the team's shared store, as in docs/team-mode.md.
     */
    private void configure(Path home, String storeUrl) throws IOException {
        Files.createDirectories(home);
        new LarkHandoffConfig(home, emulator.app().appId(), emulator.app().appSecret(), emulator.baseUrl())
                .withOperatorEmail(OPERATOR_EMAIL)
                .save();
        if (storeUrl != null) {
            Path file = home.resolve(LarkHandoffConfig.FILE_NAME);
            ObjectNode config = (ObjectNode) ServerJson.mapper().readTree(Files.readString(file));
            config.put("store_url", storeUrl);
            Files.writeString(file, ServerJson.mapper().writeValueAsString(config));
        }
        new AccessFile(home)
                .save(AccessPolicy.defaults()
                        .withAllowFrom(List.of(alice.openId()))
                        .withGroups(Map.of(group.chatId, new AccessPolicy.GroupRule(false, List.of()))));
    }

    private ProxyProcess startProxy(
            Path home, String sessionId, String role, String machine, Path projectDir, ProxyProcess.ChannelSink sink) {
        ProxyProcess p = ProxyProcess.start(
                launcher,
                home,
                projectDir,
                sessionId,
                role,
                Map.of("LARK_HANDOFF_MACHINE", machine),
                base.resolve("proxy-" + sessionId + ".stderr"),
                sink);
        proxies.add(p);
        return p;
    }

    private void closeProxy(ProxyProcess p) {
        p.close();
        proxies.remove(p);
    }

    private static String serverVersion(StoreLocation.Postgres db) throws SQLException {
        try (Connection c = DriverManager.getConnection(
                        "jdbc:postgresql://" + db.host() + ":" + db.port() + "/" + db.database(),
                        db.user(),
                        db.password());
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SHOW server_version")) {
            r.next();
            return r.getString(1);
        }
    }

    private void awaitConnections(int live) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (emulator.gateway().liveConnections(emulator.app().appId()) != live) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("expected " + live + " long connections to Lark within 20 s, found "
                        + emulator.gateway().liveConnections(emulator.app().appId()));
            }
            Thread.sleep(20);
        }
    }

    /** Waits until the session's daemon counts two daemons alive in its team. */
    private static void awaitTeamOfTwo(ProxyProcess session) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (status(session).path("daemon").path("team").size() != 2) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the daemons did not see each other within " + TIMEOUT + ": "
                        + status(session).path("daemon"));
            }
            Thread.sleep(100);
        }
    }

    /**
     * One event pinned to each connection in turn: only the daemon that connection belongs to may see it arrive
     * (its {@code last_event_at}), so the pins below mean what the report says.
     */
    private void requireConnectionsAsPinned(Daemons team, ProxyProcess alpha, ProxyProcess beta)
            throws InterruptedException {
        for (int connection : new int[] {ALPHA, BETA}) {
            String alphaBefore = lastEventAt(alpha);
            String betaBefore = lastEventAt(beta);
            stream("probe", 10, 0.1, i -> connection, false, team);
            requireQuiet();
            boolean alphaGot = !Objects.equals(alphaBefore, lastEventAt(alpha));
            boolean betaGot = !Objects.equals(betaBefore, lastEventAt(beta));
            if (alphaGot != (connection == ALPHA) || betaGot != (connection == BETA)) {
                throw new IllegalStateException("an event pinned to connection " + connection + " reached "
                        + (alphaGot ? "alpha" : "") + (betaGot ? " beta" : "") + ", not the daemon expected");
            }
        }
    }

    private static String lastEventAt(ProxyProcess session) {
        JsonNode at = status(session).path("daemon").path("last_event_at");
        return at.isNull() || at.isMissingNode() ? null : at.asString();
    }

    private static JsonNode status(ProxyProcess session) {
        return call(session, OwnershipTools.STATUS, Map.of());
    }

    private static JsonNode call(ProxyProcess session, String tool, Map<String, Object> arguments) {
        return ServerJson.mapper()
                .readTree(HandoffRig.text(session.client().callTool(new McpSchema.CallToolRequest(tool, arguments))));
    }

    // ---- events ---------------------------------------------------------------------------------------------

    /** The pin of the {@code i}-th event of a stream at {@code rate}: alpha's and beta's connection in turns. */
    private static IntUnaryOperator turns(int rate) {
        int perTurn = (int) Math.max(1, Math.round(rate * TURN_SECONDS));
        return i -> (i / perTurn) % 2 == 0 ? ALPHA : BETA;
    }

    /** One stream of events as it was sent: which, when, and the CPU it cost until its events were in. */
    record Stream(
            String label,
            int rate,
            int from,
            int sent,
            int planned,
            long firstSend,
            long lastSend,
            String abort,
            Usage used) {}

    /**
     * Sends {@code rate × seconds} messages on a fixed schedule from this thread, the {@code i}-th pinned to
     * connection {@code pin(i)}, then waits for them on the dispatcher's stdout (up to DaemonBench's give-up time
     * after the last send) and a little longer for duplicates. With {@code stopWhenBehind}, stops sending once
     * DaemonBench's two seconds' worth of its events are outstanding.
     */
    private Stream stream(
            String label, int rate, double seconds, IntUnaryOperator pin, boolean stopWhenBehind, Daemons daemons)
            throws InterruptedException {
        int n = (int) Math.max(1, Math.round(rate * seconds));
        if (nextSeq + n > CAPACITY) {
            throw new IllegalStateException("more events than the ledger holds");
        }
        int from = nextSeq;
        int arrivedBefore = ledger.distinct.get();
        Usage before = usage(daemons);
        double periodNanos = 1e9 / rate;
        long start = System.nanoTime() + 1_000_000;
        long hardStop = start + (long) ((seconds * 2 + 5) * 1e9);
        long behindLimit = (long) Math.max(DaemonBench.BEHIND_SECONDS * rate, 100);
        String abort = null;
        int sent = 0;
        long firstSend = 0;
        long lastSend = 0;
        int pinned = Integer.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            parkUntil(start + (long) (i * periodNanos));
            int p = pin.applyAsInt(i);
            if (p != pinned) {
                // The emulator picks the connection while the send call runs, so a pin set here holds for it.
                emulator.gateway().deliverTo(p == RANDOM ? null : p);
                pinned = p;
            }
            int seq = from + i;
            pinOf[seq] = (byte) p;
            long t = System.nanoTime();
            ledger.sentAt.set(seq, t);
            EmulatorControl.Sent s = control.sendText(alice, group.chatId, DaemonBench.Ledger.TEXT_PREFIX + seq);
            s.deliveries()
                    .forEach(d -> d.whenComplete((ack, e) -> {
                        ledger.ackedAt.compareAndSet(seq, 0, System.nanoTime());
                        if (ack != null) {
                            ledger.attempts.set(seq, ack.attempts());
                        }
                    }));
            if (i == 0) {
                firstSend = t;
            }
            lastSend = t;
            sent++;
            nextSeq = seq + 1;
            if (stopWhenBehind && (i & 31) == 0 && i > rate) {
                long outstanding = sent - (ledger.distinct.get() - arrivedBefore);
                if (outstanding > behindLimit) {
                    abort = String.format(
                            Locale.ROOT,
                            "stopped sending after %,d: %,d outstanding (> %.0f s' worth)",
                            sent,
                            outstanding,
                            DaemonBench.BEHIND_SECONDS);
                    break;
                }
                if (t > hardStop) {
                    abort = "stopped sending: the sender could not keep to the schedule";
                    break;
                }
            }
        }
        long giveUp = lastSend + DaemonBench.GIVE_UP.toNanos();
        while (ledger.distinct.get() < nextSeq && System.nanoTime() < giveUp) {
            Thread.sleep(2);
        }
        Usage used = usage(daemons).minus(before);
        Thread.sleep(300); // a duplicate would come right behind
        return new Stream(label, rate, from, sent, n, firstSend, lastSend, abort, used);
    }

    /**
     * Waits until Lark (the emulator) has no event waiting for an ack and every event sent so far was read from
     * the dispatcher's proxy, then half a second more. False when that did not happen within 30 s.
     */
    private boolean awaitQuiet() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (emulator.gateway().unacknowledged() == 0 && ledger.distinct.get() >= nextSeq) {
                Thread.sleep(500);
                return true;
            }
            Thread.sleep(20);
        }
        log.warn(
                "not quiet after 30 s: {} events unacknowledged at Lark, {} not read from the proxy",
                emulator.gateway().unacknowledged(),
                nextSeq - ledger.distinct.get());
        return false;
    }

    private void requireQuiet() throws InterruptedException {
        if (!awaitQuiet()) {
            throw new IllegalStateException("the daemons did not catch up with the events within 30 s; stopping");
        }
    }

    /** The events of one stream pinned to one connection (or all of them, for {@link #RANDOM}), as counted now. */
    record Route(
            String label,
            int rate,
            int sent,
            int once,
            int lost,
            int duplicates,
            int redelivered,
            Latencies latency,
            Latencies acked,
            long lastRead) {

        static Route of(String label, Stream s, int pin, DaemonBench.Ledger l, byte[] pinOf) {
            Latencies latency = new Latencies(Math.max(1, s.sent()));
            Latencies acked = new Latencies(Math.max(1, s.sent()));
            int sent = 0;
            int received = 0;
            int once = 0;
            int duplicates = 0;
            int redelivered = 0;
            long lastRead = 0;
            for (int seq = s.from(); seq < s.from() + s.sent(); seq++) {
                if (pin != RANDOM && pinOf[seq] != pin) {
                    continue;
                }
                sent++;
                int reads = l.reads.get(seq);
                long sentAt = l.sentAt.get(seq);
                if (reads > 0) {
                    received++;
                    latency.add(l.firstReadAt.get(seq) - sentAt);
                    lastRead = Math.max(lastRead, l.firstReadAt.get(seq));
                }
                if (reads == 1) {
                    once++;
                }
                duplicates += Math.max(0, reads - 1);
                long ackedAt = l.ackedAt.get(seq);
                if (ackedAt > 0) {
                    acked.add(ackedAt - sentAt);
                }
                if (l.attempts.get(seq) > 1) {
                    redelivered++;
                }
            }
            return new Route(
                    label, s.rate(), sent, once, sent - received, duplicates, redelivered, latency, acked, lastRead);
        }

        String summary() {
            return String.format(
                    Locale.ROOT,
                    "%,d sent, %d lost, %d duplicated, p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                    sent,
                    lost,
                    duplicates,
                    latency.percentileMillis(50),
                    latency.percentileMillis(99),
                    latency.maxMillis());
        }
    }

    // ---- highest zero-loss rate -----------------------------------------------------------------------------

    /** One step of (2): its events counted as DaemonBench counts a step's, and the CPU it cost. */
    record Step(DaemonBench.Phase phase, Usage used) {
        Step remeasured(DaemonBench.Ledger l) {
            return new Step(phase.remeasure(l), used);
        }
    }

    /**
     * DaemonBench's search for the highest sustained rate (same steps, same verdict), with the events spread at
     * random between the two connections.
     */
    private List<Step> steps(Daemons daemons) throws InterruptedException {
        List<Step> steps = new ArrayList<>();
        Step held = null;
        Step failed = null;
        boolean quiet = true;
        int rate = DaemonBench.FIRST_STEP_RATE;
        while (quiet && rate >= DaemonBench.MIN_STEP_RATE && rate <= DaemonBench.MAX_STEP_RATE) {
            log.info("(2) {} events/s for {} s, spread at random", rate, DaemonBench.STEP_SECONDS);
            Step s = step(rate, daemons);
            steps.add(s);
            quiet = awaitQuiet();
            log.info("(2) {}", s.phase().summary());
            if (s.phase().held) {
                held = s;
                if (failed != null) {
                    break;
                }
                rate *= 2;
            } else {
                failed = s;
                if (held != null) {
                    break;
                }
                rate /= 2;
            }
        }
        for (int i = 0; quiet && held != null && failed != null && i < DaemonBench.REFINEMENTS; i++) {
            int mid = (int) Math.round((held.phase().rate + failed.phase().rate) / 2.0 / 25) * 25;
            if (mid <= held.phase().rate || mid >= failed.phase().rate) {
                break;
            }
            log.info("(2) refining: {} events/s for {} s", mid, DaemonBench.STEP_SECONDS);
            Step s = step(mid, daemons);
            steps.add(s);
            quiet = awaitQuiet();
            log.info("(2) {}", s.phase().summary());
            if (s.phase().held) {
                held = s;
            } else {
                failed = s;
            }
        }
        if (!quiet) {
            throw new IllegalStateException("the daemons did not catch up with the events within 30 s; stopping");
        }
        return steps;
    }

    private Step step(int rate, Daemons daemons) throws InterruptedException {
        Stream s = stream("step", rate, DaemonBench.STEP_SECONDS, i -> RANDOM, true, daemons);
        DaemonBench.Phase p = DaemonBench.Phase.measure(
                "step", rate, s.from(), s.sent(), s.planned(), s.firstSend(), s.lastSend(), s.abort(), ledger);
        p.cpu = new DaemonBench.Cpu(
                s.used().daemons(), s.used().proxy(), s.used().bench());
        return new Step(p, s.used());
    }

    // ---- permission click -----------------------------------------------------------------------------------

    /** Click → decision and click → ack of the measured rounds, by the connection the click was delivered to. */
    record Permissions(
            int rounds, Latencies sameDecision, Latencies crossDecision, Latencies sameAck, Latencies crossAck) {}

    /**
     * A handoff on alpha (an agent session of its own), and its PermissionRequest hook run as Claude Code runs it;
     * Alice clicks Approve on each card, the click delivered to alpha's connection and to beta's in turns.
     */
    private Permissions permissions(Path alphaHome, int rounds) throws IOException, InterruptedException {
        Path project = base.resolve("project");
        Files.createDirectories(project);
        String sessionId = "alpha-agent";
        ProxyProcess agent =
                startProxy(alphaHome, sessionId, "session", "alpha", project, (t, line) -> stray.incrementAndGet());
        JsonNode started = call(agent, HandoffTools.START, Map.of("model", "bench", "tool", "Bench", "mode", "new"));
        if (!"started".equals(started.path("status").asString())) {
            throw new IllegalStateException("handoff_start did not start: " + started);
        }
        String chat = started.path("chat_id").asString();
        awaitHookFiles(alphaHome);
        HookProcess hook = new HookProcess(
                List.of("/bin/sh", hookScript.toString(), "PermissionRequest"),
                Map.of(
                        "LARK_HANDOFF_HOME",
                        alphaHome.toString(),
                        "LARK_HANDOFF_SESSION_ID",
                        sessionId,
                        "CLAUDE_PROJECT_DIR",
                        project.toString()),
                base.resolve("hooks.stderr"));
        byte[] input = HookBench.PERMISSION_REQUEST.getBytes(StandardCharsets.UTF_8);
        JsonNode expected = ServerJson.mapper().readTree(HookBench.ALLOW);
        Latencies sameDecision = new Latencies(rounds);
        Latencies crossDecision = new Latencies(rounds);
        Latencies sameAck = new Latencies(rounds);
        Latencies crossAck = new Latencies(rounds);
        log.info(
                "(3) permission clicks: {} rounds to warm up, then {} delivered to each daemon in turns",
                PERMISSION_WARM_UP_ROUNDS,
                rounds);
        for (int i = 0; i < PERMISSION_WARM_UP_ROUNDS + 2 * rounds; i++) {
            int connection = i % 2 == 0 ? ALPHA : BETA;
            boolean measured = i >= PERMISSION_WARM_UP_ROUNDS;
            Thread.sleep(HookBench.PERMISSION_PAUSE.toMillis());
            int from = control.botMessages(chat).size();
            HookProcess.Running running = hook.start(input, HookBench.ALLOW_MARKER);
            permissionHook = running;
            String cardId = awaitCard(chat, from, running, i);
            emulator.gateway().deliverTo(connection);
            long click = System.nanoTime();
            control.clickButton(alice, cardId, "Approve");
            long acked = System.nanoTime();
            HookProcess.Run run = running.await(TIMEOUT);
            permissionHook = null;
            JsonNode printed;
            try {
                printed = ServerJson.mapper().readTree(run.stdout());
            } catch (RuntimeException e) {
                printed = null;
            }
            if (run.exitCode() != 0 || !expected.equals(printed) || run.markerNanos() == 0) {
                throw new IllegalStateException("permission round " + i + ": exit " + run.exitCode() + ", stdout '"
                        + run.stdout() + "', expected exactly " + HookBench.ALLOW);
            }
            if (measured) {
                (connection == ALPHA ? sameDecision : crossDecision).add(run.markerNanos() - click);
                (connection == ALPHA ? sameAck : crossAck).add(acked - click);
            }
        }
        emulator.gateway().deliverTo(null);
        log.info(
                "(3) click → decision p50: delivered to alpha {} ms, to beta {} ms",
                Latencies.fmt(sameDecision.percentileMillis(50)),
                Latencies.fmt(crossDecision.percentileMillis(50)));
        return new Permissions(rounds, sameDecision, crossDecision, sameAck, crossAck);
    }

    private String awaitCard(String chat, int from, HookProcess.Running running, int round) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            List<EmuMessage> bot = control.botMessages(chat);
            for (int j = from; j < bot.size(); j++) {
                if (bot.get(j).content().contains(HookBench.PERMISSION_TITLE)) {
                    return bot.get(j).messageId();
                }
            }
            if (System.nanoTime() > deadline) {
                running.kill();
                throw new IllegalStateException("permission round " + round + ": no card within " + TIMEOUT);
            }
            LockSupport.parkNanos(LoopWatch.POLL_NANOS);
        }
    }

    /** The daemon writes http.json and hooks.curlrc once its HTTP front listens: what the hook script needs. */
    private static void awaitHookFiles(Path home) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.isReadable(home.resolve(HttpEndpointFile.FILE_NAME))
                || !Files.isReadable(home.resolve(HttpEndpointFile.CURL_CONFIG))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no " + HttpEndpointFile.CURL_CONFIG + " in " + home + " within 10 s");
            }
            Thread.sleep(20);
        }
    }

    // ---- processes and CPU ----------------------------------------------------------------------------------

    /** The daemons (beta's -1 when there is none) and the dispatcher's proxy of a measurement. */
    record Daemons(long alpha, long beta, long proxy) {}

    /** CPU seconds so far of the daemons, the dispatcher's proxy, this JVM and PostgreSQL; see {@link #minus}. */
    record Usage(double daemons, double proxy, double bench, double postgres) {
        Usage minus(Usage o) {
            return new Usage(daemons - o.daemons, proxy - o.proxy, bench - o.bench, postgres - o.postgres);
        }
    }

    private Usage usage(Daemons d) {
        double daemons =
                DaemonProcesses.cpuSeconds(d.alpha()) + (d.beta() < 0 ? 0 : DaemonProcesses.cpuSeconds(d.beta()));
        return new Usage(
                daemons,
                DaemonProcesses.cpuSeconds(d.proxy()),
                ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                                .getProcessCpuTime()
                        / 1e9,
                postgresCpuSeconds());
    }

    /**
     * CPU seconds of the PostgreSQL server: the postmaster with the backends it has reaped (its cutime and cstime)
     * and those still running; 0 before it started.
     */
    private double postgresCpuSeconds() {
        if (postgres == null) {
            return 0;
        }
        try {
            long pid = Long.parseLong(Files.readAllLines(base.resolve("pg/data/postmaster.pid"))
                    .get(0)
                    .strip());
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]))
                    / 100.0;
            for (ProcessHandle child :
                    ProcessHandle.of(pid).map(p -> p.children().toList()).orElse(List.of())) {
                double c = DaemonProcesses.cpuSeconds(child.pid());
                if (!Double.isNaN(c)) {
                    cpu += c;
                }
            }
            return cpu;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** SIGTERM to the daemons of {@code home}, their CPU counted first. */
    private void stopDaemons(Path home) {
        List<ProcessHandle> daemons = DaemonProcesses.daemons(home.toString()::equals);
        for (ProcessHandle p : daemons) {
            double cpu = DaemonProcesses.cpuSeconds(p.pid());
            if (!Double.isNaN(cpu)) {
                stoppedDaemonsCpu.add(cpu);
            }
        }
        DaemonProcesses.stop(daemons, "TeamBench");
    }

    /**
     * CPU seconds of the processes this run started: the children it waited for (proxies, hooks, PostgreSQL's
     * programs), the daemons it stopped, and the proxies, daemons and PostgreSQL server still running.
     */
    private double childrenCpuSeconds() {
        double cpu = HandoffRig.endedChildrenCpuSeconds() + stoppedDaemonsCpu.sum();
        List<Long> running = new ArrayList<>();
        proxies.forEach(p -> running.add(p.pid()));
        DaemonProcesses.daemons(h -> h.startsWith(base.toString())).forEach(p -> running.add(p.pid()));
        for (long pid : running) {
            double c = DaemonProcesses.cpuSeconds(pid);
            if (!Double.isNaN(c)) {
                cpu += c;
            }
        }
        double pg = postgresCpuSeconds();
        return Double.isNaN(pg) ? cpu : cpu + pg;
    }

    /** Ends everything this run started: a waiting hook, the proxies, every daemon under the base, Lark, PostgreSQL. */
    private synchronized void cleanUp() {
        if (cleanedUp) {
            return;
        }
        cleanedUp = true;
        HookProcess.Running hook = permissionHook;
        if (hook != null) {
            hook.kill();
        }
        proxies.forEach(ProxyProcess::close);
        DaemonProcesses.stop(DaemonProcesses.daemons(h -> h.startsWith(base.toString())), "TeamBench");
        try {
            emulator.close();
        } catch (RuntimeException ignored) {
            // best effort
        }
        LocalPostgres pg = postgres;
        if (pg != null) {
            pg.close();
        }
        DaemonProcesses.deleteTree(base, "TeamBench");
    }

    private void printLogs() {
        DaemonProcesses.printLogs(base, "TeamBench");
    }

    private static void parkUntil(long nanos) {
        for (long left; (left = nanos - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
        }
    }

    // ---- report ---------------------------------------------------------------------------------------------

    /** Everything the section reports. */
    record Report(
            double seconds,
            String daemonCommand,
            String postgresVersion,
            List<Stream> solo,
            List<Stream> team,
            List<Step> steps,
            Permissions permissions,
            double minutes) {}

    private String report(Report r) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(
                Locale.ROOT,
                """
                Measured by dev.larkhandoff.bench.TeamBench through real processes on loopback, with **PostgreSQL \
                %s** (a throwaway server the bench starts from the system's binaries with `LocalPostgres`: \
                loopback TCP, `fsync` off, `synchronous_commit` on) and the emulator as Lark inside the bench JVM. \
                Two homes, *alpha* and *beta* (`LARK_HANDOFF_MACHINE`), play two machines of one Lark app: both \
                `config.json` name the same `store_url`, and each runs its own daemon (`%s`) with its own long \
                connection, spawned by a stdio proxy of its home: on alpha the dispatcher's (push mode, the \
                channel's owner), on beta a teammate session's (role `session`), there so that beta's daemon runs. \
                The emulator hands each event to one of the app's connections; the bench pins each event to one \
                (`gateway().deliverTo`, alpha's daemon having connected first, which the bench checks with one \
                event to each before measuring). **Same daemon**: the event lands on alpha's connection; alpha \
                stores it in PostgreSQL, acknowledges it to Lark, and routes it to the dispatcher's proxy over its \
                Unix socket. **Across daemons**: it lands on beta's; beta stores it and acknowledges it, sees that \
                its target is a session of another daemon and leaves it, and announces the change with \
                `pg_notify`; alpha's listener (`LISTEN`) wakes, alpha reads the pending rows and routes the event \
                as above. (A 5 s poll under the signals is the safety net; an event that took that path would show \
                as a latency of seconds.) **SQLite**: a third home, on its own SQLite file, one daemon, measured \
                first with the same harness, then stopped before the team started. Latency runs from just before \
                the emulator's send call to the moment the bench reads the `notifications/claude/channel` line \
                from the dispatcher's stdout (one clock, `System.nanoTime` of the bench JVM); events are matched \
                by their text `lhb-<n>` and counted again at the end of the run. The machine has %d cores, shared \
                by the bench JVM (emulator, sender, reader), two daemons, two or three proxies, PostgreSQL, and \
                whatever else was running (other builds: see *other processes* above). In a real team the two \
                daemons and PostgreSQL run on different machines; here they share these cores with each other and \
                with the emulator, so the rates in (2) are what one small machine holding all of it sustains. The \
                whole run took %.1f min. Figures from one run.
                """,
                r.postgresVersion(),
                r.daemonCommand(),
                Runtime.getRuntime().availableProcessors(),
                r.minutes()));

        md.append(String.format(
                Locale.ROOT,
                """

                ### 1. Inbound event → channel notification: same daemon, across daemons, SQLite

                Method: at each rate, one stream of %.0f s after a %.0f s warm-up at 200 events/s; in the team's \
                stream the pin changes every %.0f s between alpha's connection and beta's, so the two paths take \
                turns under the same load and each gets half of the events. SQLite's stream lasts half as long: as \
                many events as each of the team's paths. *Ack at Lark*: from the send to the receiving daemon's \
                ack reaching the emulator (it acks once the event is stored). *CPU an event*: over the whole \
                stream, both paths together. With %,d and %,d events a path, p99 is the %s-highest and the %s-highest \
                of them, so one stall of a shared machine can move it by hundreds of milliseconds (read it \
                beside the SQLite row, measured the same way); p50 and p90 are the steadier comparison.

                | store, path | offered | events | received once | lost | duplicated | p50 | p90 | p99 | max | ack at Lark: p50 | ack at Lark: p99 | redelivered | CPU an event |
                |---|---|---|---|---|---|---|---|---|---|---|---|---|---|
                """,
                r.seconds(),
                WARM_UP_SECONDS,
                TURN_SECONDS,
                Math.round(RATES[0] * r.seconds() / 2),
                Math.round(RATES[1] * r.seconds() / 2),
                ordinal(p99RankFromTop(Math.round(RATES[0] * r.seconds() / 2))),
                ordinal(p99RankFromTop(Math.round(RATES[1] * r.seconds() / 2)))));
        List<String> verdicts = new ArrayList<>();
        for (int i = 0; i < RATES.length; i++) {
            Stream solo = r.solo().get(i);
            Stream team = r.team().get(i);
            Route sqlite = Route.of("SQLite, one daemon", solo, RANDOM, ledger, pinOf);
            Route same = Route.of("PostgreSQL, same daemon", team, ALPHA, ledger, pinOf);
            Route cross = Route.of("PostgreSQL, across daemons (NOTIFY)", team, BETA, ledger, pinOf);
            md.append(routeRow(sqlite, cpuPerEvent(solo, false)));
            md.append(routeRow(same, cpuPerEvent(team, true)));
            md.append(routeRow(cross, "(the row above)"));
            double p99 = cross.latency().percentileMillis(99) - same.latency().percentileMillis(99);
            double p50 = cross.latency().percentileMillis(50) - same.latency().percentileMillis(50);
            double p90 = cross.latency().percentileMillis(90) - same.latency().percentileMillis(90);
            // Past what the team keeps up with, both paths measure the queues in front of the daemons, not the
            // path: the comparison is then reported, not judged.
            long drain = Math.max(same.lastRead(), cross.lastRead()) - team.lastSend();
            boolean keptUp = same.lost() + cross.lost() == 0
                    && same.redelivered() + cross.redelivered() == 0
                    && drain <= DaemonBench.DRAIN_BOUND.toNanos();
            verdicts.add(String.format(
                    Locale.ROOT,
                    "at %d events/s, across daemons minus same daemon: p50 %+.2f ms, p90 %+.2f ms, p99 **%+.2f ms** (%s)",
                    RATES[i],
                    p50,
                    p90,
                    p99,
                    !keptUp
                            ? String.format(
                                    Locale.ROOT,
                                    "not a measure of the path: the team did not keep up with this rate in this run, "
                                            + "%d events redelivered by Lark, the last read %,.0f ms after the last "
                                            + "send, so both paths measure the backlog",
                                    same.redelivered() + cross.redelivered(),
                                    drain / 1e6)
                            : p99 <= GOAL_MILLIS ? "within the goal" : "**over the goal**"));
        }
        md.append(String.format(
                Locale.ROOT,
                "%nThe goal: the cross-daemon p99 within %.0f ms of the same-daemon p99. Measured: %s.%n",
                GOAL_MILLIS,
                String.join("; ", verdicts)));

        md.append(String.format(
                Locale.ROOT,
                """

                ### 2. Highest sustained rate with zero loss, two daemons, events spread at random

                Method: DaemonBench's (its section above): steps of %.0f s, from %d events/s, doubling while a step \
                holds or halving while it does not, then %d steps that halve the gap; a step **holds** when it was \
                offered in full and every event was read exactly once, the last within %,d ms of the last send \
                (counted up to %d s after it). No pin: the emulator picks alpha's or beta's connection at random \
                for each event, as Lark does, so about half of them take each path. *Daemons CPU* is alpha's and \
                beta's together, *PostgreSQL CPU* the server's processes, both over the step (first send to last \
                read).

                | offered | sent | sent at | lost | duplicated | p50 | p99 | max | last read after last send | throughput | daemons CPU | PostgreSQL CPU | holds |
                |---|---|---|---|---|---|---|---|---|---|---|---|---|
                """,
                DaemonBench.STEP_SECONDS,
                DaemonBench.FIRST_STEP_RATE,
                DaemonBench.REFINEMENTS,
                DaemonBench.DRAIN_BOUND.toMillis(),
                DaemonBench.GIVE_UP.toSeconds()));
        List<Step> steps = r.steps().stream().map(s -> s.remeasured(ledger)).toList();
        for (Step s : steps) {
            DaemonBench.Phase p = s.phase();
            double wall = Math.max(1e-3, p.wallSeconds());
            md.append(String.format(
                    Locale.ROOT,
                    "| %,d events/s | %,d%s | %,.0f/s | %d | %d | %.1f ms | %.1f ms | %.1f ms | %s | %,.0f events/s | %.0f%% of a core, %.2f ms an event | %.0f%% of a core, %.2f ms an event | %s |%n",
                    p.rate,
                    p.sent,
                    p.sent < p.planned ? String.format(Locale.ROOT, " of %,d", p.planned) : "",
                    p.sendRate(),
                    p.lost,
                    p.duplicates,
                    p.latency.percentileMillis(50),
                    p.latency.percentileMillis(99),
                    p.latency.maxMillis(),
                    p.drainNanos < 0 ? "—" : String.format(Locale.ROOT, "%,.0f ms", p.drainNanos / 1e6),
                    p.throughput,
                    100 * s.used().daemons() / wall,
                    1000 * s.used().daemons() / Math.max(1, p.sent),
                    100 * s.used().postgres() / wall,
                    1000 * s.used().postgres() / Math.max(1, p.sent),
                    p.held ? "yes" : "**no**" + (p.abort == null ? "" : " (stopped early)")));
        }
        Step best = steps.stream()
                .filter(s -> s.phase().held)
                .max(Comparator.comparingInt(s -> s.phase().rate))
                .orElse(null);
        if (best == null) {
            md.append(String.format(
                    Locale.ROOT, "%n**No step held**, down to %d events/s.%n", DaemonBench.MIN_STEP_RATE));
        } else {
            md.append(String.format(
                    Locale.ROOT,
                    "%n**Highest sustained rate with two daemons: %,d events/s** offered; %,.0f events/s delivered, "
                            + "p99 %.1f ms.%n",
                    best.phase().rate,
                    best.phase().throughput,
                    best.phase().latency.percentileMillis(99)));
        }

        Permissions perm = r.permissions();
        if (perm != null) {
            md.append(String.format(
                    Locale.ROOT,
                    """

                    ### 3. Permission click across daemons

                    Method: an agent session on alpha starts a handoff (a new group, Alice the operator); the \
                    plugin's hook script runs as its PermissionRequest hook (HookBench's request), as Claude Code \
                    runs it, against alpha's daemon, which posts the Permission Request card and holds the hook. \
                    Once the card shows in the emulator, Alice clicks Approve, the click (`card.action.trigger`) \
                    pinned to alpha's connection or to beta's in turns: %d rounds to warm up, then %d to each. \
                    Delivered to beta, beta checks the clicker against the shared store, answers the card and \
                    stores the click, and alpha's permission bridge learns of it through the store's NOTIFY. \
                    *Click → decision*: from just before the click to the moment the bench reads the decision \
                    (`"behavior":"allow"`, checked whole) from the hook's stdout; *click → ack*: until \
                    `clickButton` returns, i.e. the receiving daemon answered the callback.

                    | click delivered to | rounds | click → decision: p50 | p99 | max | click → ack: p50 | p99 |
                    |---|---|---|---|---|---|---|
                    | alpha (the daemon holding the hook) | %d | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms |
                    | beta (the other daemon) | %d | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms |
                    """,
                    PERMISSION_WARM_UP_ROUNDS,
                    perm.rounds(),
                    perm.sameDecision().count(),
                    perm.sameDecision().percentileMillis(50),
                    perm.sameDecision().percentileMillis(99),
                    perm.sameDecision().maxMillis(),
                    perm.sameAck().percentileMillis(50),
                    perm.sameAck().percentileMillis(99),
                    perm.crossDecision().count(),
                    perm.crossDecision().percentileMillis(50),
                    perm.crossDecision().percentileMillis(99),
                    perm.crossDecision().maxMillis(),
                    perm.crossAck().percentileMillis(50),
                    perm.crossAck().percentileMillis(99)));
        }
        if (stray.get() > 0 || ledger.foreign.get() > 0) {
            md.append(String.format(
                    Locale.ROOT,
                    "%nOther sessions' proxies wrote %d channel notifications, and the dispatcher's %d the bench did "
                            + "not send.%n",
                    stray.get(),
                    ledger.foreign.get()));
        }
        return md.toString();
    }

    private static String routeRow(Route r, String cpu) {
        return String.format(
                Locale.ROOT,
                "| %s | %d events/s | %,d | %,d | %d | %d | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %d | %s |%n",
                r.label(),
                r.rate(),
                r.sent(),
                r.once(),
                r.lost(),
                r.duplicates(),
                r.latency().percentileMillis(50),
                r.latency().percentileMillis(90),
                r.latency().percentileMillis(99),
                r.latency().maxMillis(),
                r.acked().percentileMillis(50),
                r.acked().percentileMillis(99),
                r.redelivered(),
                cpu);
    }

    /** Which value from the top {@link Latencies#percentileMillis} gives as p99 of {@code n}: 1 for the max. */
    private static long p99RankFromTop(long n) {
        return n - (long) Math.ceil(99 / 100.0 * n) + 1;
    }

    /** 1st, 2nd, 3rd, 4th … */
    private static String ordinal(long n) {
        long m = Math.max(1, n);
        String suffix = (m % 100 >= 11 && m % 100 <= 13)
                ? "th"
                : switch ((int) (m % 10)) {
                    case 1 -> "st";
                    case 2 -> "nd";
                    case 3 -> "rd";
                    default -> "th";
                };
        return m + suffix;
    }

    private static String cpuPerEvent(Stream s, boolean team) {
        double n = Math.max(1, s.sent());
        return team
                ? String.format(
                        Locale.ROOT,
                        "daemons %.2f ms, PostgreSQL %.2f ms, proxy %.2f ms, bench JVM %.2f ms",
                        1000 * s.used().daemons() / n,
                        1000 * s.used().postgres() / n,
                        1000 * s.used().proxy() / n,
                        1000 * s.used().bench() / n)
                : String.format(
                        Locale.ROOT,
                        "daemon %.2f ms, proxy %.2f ms, bench JVM %.2f ms",
                        1000 * s.used().daemons() / n,
                        1000 * s.used().proxy() / n,
                        1000 * s.used().bench() / n);
    }
}
