package dev.larkhandoff.bench;

import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.model.EmuUser;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Measures the handoff reply loop's round trip end to end: the operator writes in the handoff group (the
 * emulator as Lark), the agent's {@code send_and_wait} returns it through a real stdio proxy and daemon, and the
 * agent's next answer appears in the group. Three scenarios ({@link #PLANS}) separate the loop from the daemon's
 * pacing of its Lark calls. Every process it starts is ended at the end, also on failure. Writes its section of
 * bench/RESULTS.md.
 */
public final class LoopBench {

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
            new LoopScenario.Plan(
                    "operator pauses " + OPERATOR_PAUSE.toMillis() + " ms, agent answers at once",
                    OPERATOR_PAUSE,
                    Duration.ZERO),
            new LoopScenario.Plan(
                    "operator pauses " + OPERATOR_PAUSE.toMillis() + " ms, agent thinks " + AGENT_THINK.toMillis()
                            + " ms",
                    OPERATOR_PAUSE,
                    AGENT_THINK),
            new LoopScenario.Plan("back to back: no pause, agent answers at once", Duration.ZERO, Duration.ZERO));
    /** How long the daemon's and the proxy's CPU are measured while the agent waits and nobody writes. */
    static final Duration IDLE = Duration.ofSeconds(3);

    private final HandoffRig rig;
    private final LarkEmulator emulator;
    private final EmulatorControl control;
    private final EmuUser alice;
    private final AtomicInteger channelLines = new AtomicInteger();
    private LoopAgent agent;
    private Thread agentThread;
    private String chatId;
    private LoopWatch watch;
    private int nextRound;

    private LoopBench(Path launcher) throws IOException {
        this.rig = new HandoffRig("LoopBench", launcher, "lhl");
        this.emulator = rig.emulator;
        this.control = rig.control;
        this.alice = rig.alice;
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
        results.childrenCpu(bench.rig::childrenCpuSeconds);
        HarnessRun.run(
                "LoopBench",
                results,
                "loop",
                "Handoff reply loop round trip: operator, send_and_wait, answer (LoopBench)",
                Duration.ofSeconds(240 + 3L * rounds),
                bench.rig::close,
                bench.rig::printLogs,
                () -> bench.run(rounds));
    }

    private String run(int rounds) throws Exception {
        long started = System.nanoTime();
        log("starting the agent's proxy (it spawns the daemon)");
        rig.start("bench-agent", rig.home, (readNanos, line) -> channelLines.incrementAndGet());
        chatId = rig.startHandoff("bench-model", "Bench");
        log("handoff started in %s", chatId);

        int capacity = WARM_UP_ROUNDS + PLANS.size() * (SETTLE_ROUNDS + rounds) + 2;
        watch = new LoopWatch(emulator, chatId, capacity);
        agent = new LoopAgent(rig.proxy().client(), capacity + 1);
        agentThread = new Thread(agent, "loop-agent");
        agentThread.setDaemon(true);
        agentThread.start();
        watch.awaitAnswer(0, 0, agent::failure);

        // The processes' own background work, for scale: the agent waits and nobody writes.
        ProcessUsage idleFrom = usage();
        Thread.sleep(IDLE.toMillis());
        ProcessUsage idle = usage().minus(idleFrom);

        log("warm-up: %d rounds back to back", WARM_UP_ROUNDS);
        rounds(WARM_UP_ROUNDS, Duration.ZERO);
        List<LoopScenario> scenarios = new ArrayList<>();
        for (LoopScenario.Plan plan : PLANS) {
            log("%s: %d rounds to settle, then %d measured", plan.label(), SETTLE_ROUNDS, rounds);
            agent.think(plan.think());
            rounds(SETTLE_ROUNDS, plan.pause());
            ProcessUsage before = usage();
            int from = nextRound;
            rounds(rounds, plan.pause());
            ProcessUsage used = usage().minus(before);
            LoopScenario s = LoopScenario.of(
                    plan, from, nextRound, watch, agent, used, LarkCalls.since(control, before.calls(), used.calls()));
            log("%s", s.summary());
            scenarios.add(s);
        }

        control.sendText(alice, chatId, LoopAgent.BYE);
        agentThread.join(Duration.ofSeconds(30).toMillis());
        if (agent.failure() != null) {
            throw new IllegalStateException("the agent failed after the last round", agent.failure());
        }
        double minutes = (System.nanoTime() - started) / 60e9;
        return LoopReport.render(new LoopReport.Inputs(
                rig.proxyCommand(),
                rig.daemonCommand(),
                WARM_UP_ROUNDS,
                SETTLE_ROUNDS,
                rounds,
                LoopWatch.POLL_NANOS,
                IDLE,
                idle,
                scenarios,
                channelLines.get(),
                minutes));
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
            sent.deliveries()
                    .forEach(d -> d.whenComplete((ack, e) -> watch.ackedAt.compareAndSet(n, 0, System.nanoTime())));
            watch.asked(n, sent.messageId());
            watch.awaitAnswer(n + 1, from, agent::failure);
        }
        // The daemon takes the last round's THINKING off after its answer: wait for it, so that a scenario's
        // CPU and Lark calls hold all of its own rounds' work and none of the rounds before it.
        watch.awaitThinkingOff(agent::failure);
    }

    private ProcessUsage usage() {
        return ProcessUsage.now(
                rig.daemonPid(), rig.proxy().pid(), control.calls().size());
    }

    static void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, "LoopBench: " + format + "%n", args);
    }
}
