package dev.larkhandoff.bench;

import dev.larkhandoff.emulator.EmulatorOptions;
import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.emulator.openapi.OpenApiServer;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.handoff.HandoffTools;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Measures the handoff reply loop's round trip end to end: the operator writes in the handoff group (the
 * emulator as Lark), the agent's {@code send_and_wait} returns it through a real stdio proxy and daemon, and the
 * agent's next answer appears in the group. Three scenarios ({@link #PLANS}) separate the loop from the daemon's
 * pacing of its Lark calls. Every process it starts is ended at the end, also on failure. Writes its section of
 * bench/RESULTS.md.
 */
public final class LoopBench {

    static final String OPERATOR_EMAIL = "alice@example.com";
    /**
     * Rounds back to back before any scenario. The launcher runs the JVMs with C1 only, which compiles a method
     * after about 200 calls, and much of the loop runs once a round: after 20 rounds only, the first scenario's
     * replies took p50 22 ms instead of the 15 ms they took after 150.
     */
    static final int WARM_UP_ROUNDS = 300;
    /** Unmeasured rounds at the start of each scenario, so that it starts in its own rhythm. */
    static final int SETTLE_ROUNDS = 20;
    /** The operator's pause after an answer: longer than the 210.5 ms the daemon keeps between sends to a chat. */
    static final Duration OPERATOR_PAUSE = Duration.ofMillis(300);
    /** A think time past the 21.05 ms the daemon keeps between any two Lark calls, to see the send leg without it. */
    static final Duration AGENT_THINK = Duration.ofMillis(100);
    static final List<LoopScenario.Plan> PLANS = List.of(
            new LoopScenario.Plan("operator pauses " + OPERATOR_PAUSE.toMillis() + " ms, agent answers at once",
                    OPERATOR_PAUSE, Duration.ZERO),
            new LoopScenario.Plan("operator pauses " + OPERATOR_PAUSE.toMillis() + " ms, agent thinks "
                    + AGENT_THINK.toMillis() + " ms", OPERATOR_PAUSE, AGENT_THINK),
            new LoopScenario.Plan("back to back: no pause, agent answers at once", Duration.ZERO, Duration.ZERO));
    /** How long the daemon's and the proxy's CPU are measured while the agent waits and nobody writes. */
    static final Duration IDLE = Duration.ofSeconds(3);

    private final Path launcher;
    private final Path base;
    private final LarkEmulator emulator;
    private final EmulatorControl control;
    private final EmuUser alice;
    private final AtomicInteger channelLines = new AtomicInteger();
    private volatile ProxyProcess proxy;
    private volatile long daemonPid = -1;
    private LoopAgent agent;
    private Thread agentThread;
    private String chatId;
    private LoopWatch watch;
    private int nextRound;
    private boolean cleanedUp;

    private LoopBench(Path launcher) throws IOException {
        this.launcher = launcher.toAbsolutePath().normalize();
        // Short: the daemon's Unix socket lives in the home, and socket paths are limited to ~100 bytes.
        this.base = Files.createTempDirectory("lhl");
        // No rate limits in the emulator (they are off by default; said here so nobody wonders): the daemon's own
        // Lark client paces its calls at Lark's limits anyway, and that pacing is part of what is measured.
        this.emulator = LarkEmulator.start(EmulatorOptions.defaults().withPort(0).withRateLimits(0, 0), null, null);
        this.control = emulator.control();
        this.alice = control.addUser("Alice", OPERATOR_EMAIL);
    }

    public static void main(String[] args) throws Exception {
        ResultsFile results = ResultsFile.open(Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md"));
        Path launcher = Path.of(args.length > 1 ? args[1] : "lark-handoff");
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1");
        }
        DaemonProcesses.requireLauncher(launcher);
        LoopBench bench = new LoopBench(launcher);
        results.childrenCpu(bench::childrenCpuSeconds);
        Runtime.getRuntime().addShutdownHook(new Thread(bench::cleanUp, "loop-bench-cleanup"));
        Duration limit = Duration.ofSeconds(240 + 3L * rounds);
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(limit.toMillis());
                System.err.println("LoopBench: still running after " + limit.toSeconds()
                        + " s; giving up and ending every process it started");
                bench.cleanUp();
                Runtime.getRuntime().halt(3);
            } catch (InterruptedException e) {
                // finished in time
            }
        }, "loop-bench-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        int status = 0;
        try {
            String section = bench.run(rounds);
            results.writeSection("loop", "Handoff reply loop round trip: operator, send_and_wait, answer (LoopBench)",
                    section);
        } catch (Throwable e) {
            LoggerFactory.getLogger(LoopBench.class).error("LoopBench failed", e);
            bench.printLogs();
            status = 1;
        } finally {
            bench.cleanUp();
            watchdog.interrupt();
        }
        System.exit(status);
    }

    private String run(int rounds) throws Exception {
        long started = System.nanoTime();
        Path home = base.resolve("home");
        Files.createDirectories(home);
        new LarkHandoffConfig(home, emulator.app().appId(), emulator.app().appSecret(), emulator.baseUrl())
                .withOperatorEmail(OPERATOR_EMAIL).save();

        log("starting the agent's proxy (it spawns the daemon)");
        proxy = ProxyProcess.start(launcher, home, "bench-agent", "session", base.resolve("proxy.stderr"),
                (readNanos, line) -> channelLines.incrementAndGet());
        daemonPid = DaemonProcesses.awaitDaemon(home);
        String proxyCommand = DaemonProcesses.commandLine(proxy.pid(), home, launcher.getParent());
        String daemonCommand = DaemonProcesses.commandLine(daemonPid, home, launcher.getParent());
        awaitLongConnection();

        McpSchema.CallToolResult start = proxy.client().callTool(new McpSchema.CallToolRequest(HandoffTools.START,
                Map.of("model", "bench-model", "tool", "Bench", "mode", "new")));
        if (Boolean.TRUE.equals(start.isError()) || start.content().isEmpty()
                || !(start.content().get(0) instanceof McpSchema.TextContent startText)) {
            throw new IllegalStateException("handoff_start failed: " + start);
        }
        JsonNode startResult = ServerJson.mapper().readTree(startText.text());
        if (!"started".equals(startResult.path("status").asString())) {
            throw new IllegalStateException("handoff_start did not start: " + startResult);
        }
        chatId = startResult.path("chat_id").asString();
        log("handoff started in %s", chatId);

        int capacity = WARM_UP_ROUNDS + PLANS.size() * (SETTLE_ROUNDS + rounds) + 2;
        watch = new LoopWatch(emulator, chatId, capacity);
        agent = new LoopAgent(proxy.client(), capacity + 1);
        agentThread = new Thread(agent, "loop-agent");
        agentThread.setDaemon(true);
        agentThread.start();
        watch.awaitAnswer(0, 0, agent::failure);

        // The processes' own background work, for scale: the agent waits and nobody writes.
        LoopScenario.Usage idleFrom = usage();
        Thread.sleep(IDLE.toMillis());
        LoopScenario.Usage idle = usage().minus(idleFrom);

        log("warm-up: %d rounds back to back", WARM_UP_ROUNDS);
        rounds(WARM_UP_ROUNDS, Duration.ZERO);
        List<LoopScenario> scenarios = new ArrayList<>();
        for (LoopScenario.Plan plan : PLANS) {
            log("%s: %d rounds to settle, then %d measured", plan.label(), SETTLE_ROUNDS, rounds);
            agent.think(plan.think());
            rounds(SETTLE_ROUNDS, plan.pause());
            LoopScenario.Usage before = usage();
            int from = nextRound;
            rounds(rounds, plan.pause());
            LoopScenario.Usage used = usage().minus(before);
            LoopScenario s = LoopScenario.of(plan, from, nextRound, watch, agent, used,
                    larkCalls(before.calls(), used.calls()));
            log("%s", s.summary());
            scenarios.add(s);
        }

        control.sendText(alice, chatId, LoopAgent.BYE);
        agentThread.join(Duration.ofSeconds(30).toMillis());
        if (agent.failure() != null) {
            throw new IllegalStateException("the agent failed after the last round", agent.failure());
        }
        double minutes = (System.nanoTime() - started) / 60e9;
        return LoopReport.render(new LoopReport.Inputs(proxyCommand, daemonCommand, WARM_UP_ROUNDS, SETTLE_ROUNDS,
                rounds,
                LoopWatch.POLL_NANOS, IDLE, idle, scenarios, channelLines.get(), minutes));
    }

    // ---- the loop -------------------------------------------------------------------------------------------

    /**
     * {@code count} rounds: wait {@code pause}, the operator writes {@code q n}, the agent's next answer shows. A
     * round ends when its answer is visible, whether or not THINKING is off yet: that is when a person would write
     * again.
     */
    private void rounds(int count, Duration pause) {
        for (int i = 0; i < count; i++) {
            int n = nextRound++;
            if (!pause.isZero()) {
                watch.pause(pause, agent::failure);
            }
            // The answer to q n comes after every message in the chat now: look only there.
            int from = watch.messageCount();
            watch.sentAt.set(n, System.nanoTime());
            EmulatorControl.Sent sent = control.sendText(alice, chatId, LoopAgent.question(n));
            sent.deliveries().forEach(d -> d.whenComplete((ack, e) -> watch.ackedAt.compareAndSet(n, 0,
                    System.nanoTime())));
            watch.asked(n, sent.messageId());
            watch.awaitAnswer(n + 1, from, agent::failure);
        }
        // The daemon takes the last round's THINKING off after its answer: wait for it, so that a scenario's
        // CPU and Lark calls hold all of its own rounds' work and none of the rounds before it.
        watch.awaitThinkingOff(agent::failure);
    }

    private LoopScenario.Usage usage() {
        return LoopScenario.Usage.now(daemonPid, proxy.pid(), control.calls().size());
    }

    /** The {@code count} Lark calls the emulator answered after its first {@code before}, by kind. */
    private LoopScenario.LarkCalls larkCalls(int before, int count) {
        List<OpenApiServer.CallRecord> all = control.calls();
        if (before + count > all.size() || all.size() >= 10_000) {
            // The emulator keeps its last 10,000 calls only: once it dropped some, the indexes moved.
            return LoopScenario.LarkCalls.UNKNOWN;
        }
        return LoopScenario.LarkCalls.of(all.subList(before, before + count));
    }

    private void awaitLongConnection() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (emulator.gateway().liveConnections(emulator.app().appId()) == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the daemon did not open the long connection within 20 s");
            }
            Thread.sleep(20);
        }
    }

    // ---- processes ------------------------------------------------------------------------------------------

    /** CPU seconds of the proxy and the daemon, both still running when the section is written. */
    private double childrenCpuSeconds() {
        double cpu = 0;
        ProxyProcess p = proxy;
        for (long pid : new long[] {daemonPid, p == null ? -1 : p.pid()}) {
            double c = pid < 0 ? Double.NaN : DaemonProcesses.cpuSeconds(pid);
            if (!Double.isNaN(c)) {
                cpu += c;
            }
        }
        return cpu;
    }

    /** Ends everything this run started: the proxy, every daemon of a home under the base, Lark, the files. */
    private synchronized void cleanUp() {
        if (cleanedUp) {
            return;
        }
        cleanedUp = true;
        if (proxy != null) {
            proxy.close();
        }
        DaemonProcesses.stop(DaemonProcesses.daemons(h -> h.startsWith(base.toString())), "LoopBench");
        try {
            emulator.close();
        } catch (RuntimeException ignored) {
            // best effort
        }
        DaemonProcesses.deleteTree(base, "LoopBench");
    }

    /** After a failure: the tail of the proxies' stderr and of the daemons' logs. */
    private void printLogs() {
        DaemonProcesses.printLogs(base, "LoopBench");
    }

    static void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, "LoopBench: " + format + "%n", args);
    }
}
