package dev.larkhandoff.bench;

import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.daemon.HttpEndpointFile;
import dev.larkhandoff.server.handoff.HandoffTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Measures what the plugin's hooks cost an agent session: the time the {@code lark-handoff-hook} script adds to a
 * tool call as its PostToolUse hook (against a command hook that does nothing, without and with a handoff, at
 * both filter levels), and the permission round trip through Lark (the card posted, Alice's click in the emulator,
 * the decision printed). The script runs as Claude Code runs it, a child process per call, against a real daemon
 * spawned by a real stdio proxy. Every process it starts is ended at the end, also on failure. Writes its section
 * of bench/RESULTS.md.
 */
public final class HookBench {

    private static final Logger log = LoggerFactory.getLogger(HookBench.class);

    /** The session's explicit id: the proxy's and the hook's LARK_HANDOFF_SESSION_ID. */
    static final String SESSION_ID = "bench";

    static final String SCRIPT = "plugin-manifest/src/plugin/lark-handoff/bin/lark-handoff-hook";
    /** Unmeasured rounds before each PostToolUse case, at its pace: the same code paths once more to warm. */
    static final int WARM_UP_ROUNDS = 50;

    static final int PERMISSION_WARM_UP_ROUNDS = 5;
    /**
     * PostToolUse rounds start this far apart (start to start), in every case alike: wider than the 210.5 ms the
     * daemon keeps between two cards to one chat, so under {@code verbose} each card is out before the next call.
     */
    static final Duration PACE = Duration.ofMillis(250);
    /** Between a permission decision and the next request: past the per-chat pacing of the next card too. */
    static final Duration PERMISSION_PAUSE = Duration.ofMillis(300);

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A Bash call as Claude Code reports it after it ran. */
    static final String POST_TOOL_USE = """
            {"session_id":"s","hook_event_name":"PostToolUse","tool_name":"Bash",\
            "tool_input":{"command":"make","description":"Build"},"tool_response":{"stdout":"ok","stderr":""},\
            "tool_use_id":"t1"}""";

    static final String PERMISSION_REQUEST = """
            {"session_id":"s","hook_event_name":"PermissionRequest","tool_name":"Bash",\
            "tool_input":{"command":"rm -rf build","description":"Remove build"},"permission_suggestions":[]}""";
    /** The one answer every permission round must print, whole. */
    static final String ALLOW = """
            {"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}""";

    static final String ALLOW_MARKER = "\"behavior\":\"allow\"";
    static final String PERMISSION_TITLE = "Permission Request";

    private final HandoffRig rig;
    private final EmulatorControl control;
    private final Path script;
    private volatile HookProcess.Running permissionHook;
    private String chatId;

    private HookBench(Path launcher) throws IOException {
        this.rig = new HandoffRig("HookBench", launcher, "lhh");
        this.control = rig.control;
        this.script = rig.launcher.getParent().resolve(SCRIPT);
    }

    public static void main(String[] args) throws Exception {
        ResultsFile results = ResultsFile.open(Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md"));
        Path launcher = Path.of(args.length > 1 ? args[1] : "lark-handoff");
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int permissionRounds = args.length > 3 ? Integer.parseInt(args[3]) : 30;
        if (rounds < 1 || permissionRounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1");
        }
        DaemonProcesses.requireLauncher(launcher);
        HookBench bench = new HookBench(launcher);
        if (!Files.isRegularFile(bench.script)) {
            throw new IllegalArgumentException("no hook script at " + bench.script);
        }
        results.childrenCpu(bench.rig::childrenCpuSeconds);
        double expectedSeconds = 4 * (WARM_UP_ROUNDS + rounds) * PACE.toMillis() / 1000.0
                + (PERMISSION_WARM_UP_ROUNDS + permissionRounds) * 1.0;
        HarnessRun.run(
                "HookBench",
                results,
                "hooks",
                "Hook overhead and the permission round trip (HookBench)",
                Duration.ofSeconds(240 + 2 * (long) expectedSeconds),
                bench::cleanUp,
                bench.rig::printLogs,
                () -> bench.run(rounds, permissionRounds));
    }

    private String run(int rounds, int permissionRounds) throws Exception {
        long started = System.nanoTime();
        Path project = rig.base.resolve("project");
        Files.createDirectories(project);
        log.info("starting the session's proxy (it spawns the daemon)");
        rig.start(SESSION_ID, project, (readNanos, line) -> {});
        rig.awaitHookFiles();
        Map<String, String> env = Map.of(
                "LARK_HANDOFF_HOME",
                rig.home.toString(),
                "LARK_HANDOFF_SESSION_ID",
                SESSION_ID,
                "CLAUDE_PROJECT_DIR",
                project.toString());
        Path stderr = rig.base.resolve("hooks.stderr");
        requireCurlReachesDaemon(env, stderr);
        HookProcess noop = new HookProcess(List.of("/bin/sh", "-c", "cat > /dev/null"), env, stderr);
        HookProcess postToolUse = new HookProcess(List.of("/bin/sh", script.toString(), "PostToolUse"), env, stderr);
        HookProcess permission =
                new HookProcess(List.of("/bin/sh", script.toString(), "PermissionRequest"), env, stderr);

        List<HookCase> cases = new ArrayList<>();
        cases.add(postCase(
                "(a) baseline: a command hook that does nothing (`sh -c 'cat > /dev/null'`)", noop, 0, rounds));
        cases.add(postCase("(b) lark-handoff hook, no handoff active", postToolUse, 0, rounds));
        chatId = rig.startHandoff("bench", "Bench");
        log.info("handoff started in {}", chatId);
        cases.add(postCase(
                "(c) lark-handoff hook, handoff active, filter `concise` (the call updates the working " + "card)",
                postToolUse,
                1,
                rounds));
        JsonNode settings = rig.call(HandoffTools.SETTINGS, Map.of("filter", "verbose"));
        log.info("handoff_settings: {}", settings);
        cases.add(postCase(
                "(d) lark-handoff hook, handoff active, filter `verbose` (the call is posted as a card)",
                postToolUse,
                1,
                rounds));

        PermissionRounds permissions = permissionRounds(permission, permissionRounds);
        double minutes = (System.nanoTime() - started) / 60e9;
        return HookReport.render(new HookReport.Inputs(
                rig.proxyCommand(),
                rig.daemonCommand(),
                SCRIPT,
                POST_TOOL_USE,
                PERMISSION_REQUEST,
                WARM_UP_ROUNDS,
                PACE,
                cases,
                PERMISSION_WARM_UP_ROUNDS,
                PERMISSION_PAUSE,
                LoopWatch.POLL_NANOS,
                permissions,
                minutes));
    }

    // ---- PostToolUse --------------------------------------------------------------------------------------------

    /**
     * One PostToolUse case as measured: every measured round, and its first and second half apart (a drift between
     * them is the JVMs still warming up, or the machine's load changing); {@code maxBacklog} is the most background
     * Lark calls outstanding at a round's start.
     */
    record HookCase(
            String label,
            int rounds,
            Latencies latency,
            Latencies firstHalf,
            Latencies secondHalf,
            int larkCallsPerRound,
            LarkCalls calls,
            int maxBacklog,
            double drainMillis,
            ProcessUsage used) {}

    /**
     * {@link #WARM_UP_ROUNDS} and then {@code rounds} measured runs of {@code hook} on a fixed schedule,
     * {@link #PACE} apart; each must exit 0 with nothing on stdout. {@code larkCallsPerRound} is the Lark calls
     * each run makes the daemon do in the background: the case ends once all of them were answered, and before
     * each start the bench notes how many are still outstanding.
     */
    private HookCase postCase(String label, HookProcess hook, int larkCallsPerRound, int rounds)
            throws InterruptedException {
        awaitQuietLark();
        log.info(
                "{}: {} rounds to warm up, then {} measured, {} ms apart",
                label,
                WARM_UP_ROUNDS,
                rounds,
                PACE.toMillis());
        byte[] input = POST_TOOL_USE.getBytes(StandardCharsets.UTF_8);
        int callsAtStart = callCount();
        Latencies latency = new Latencies(rounds);
        Latencies firstHalf = new Latencies(rounds);
        Latencies secondHalf = new Latencies(rounds);
        ProcessUsage before = null;
        int maxBacklog = 0;
        long lastExit = 0;
        long next = System.nanoTime();
        for (int i = 0; i < WARM_UP_ROUNDS + rounds; i++) {
            parkUntil(next);
            boolean measured = i >= WARM_UP_ROUNDS;
            if (i == WARM_UP_ROUNDS) {
                before = usage();
            }
            if (larkCallsPerRound > 0) {
                int backlog = i * larkCallsPerRound - (callCount() - callsAtStart);
                maxBacklog = measured ? Math.max(maxBacklog, backlog) : maxBacklog;
            }
            HookProcess.Run run = hook.run(input);
            if (run.exitCode() != 0 || !run.stdout().isEmpty()) {
                throw new IllegalStateException(label + ", round " + i + ": exit " + run.exitCode() + ", stdout '"
                        + run.stdout() + "' (expected exit 0 and nothing)");
            }
            if (measured) {
                latency.add(run.nanos());
                (i - WARM_UP_ROUNDS < rounds / 2 ? firstHalf : secondHalf).add(run.nanos());
            }
            lastExit = run.exitNanos();
            next = Math.max(next + PACE.toNanos(), System.nanoTime());
        }
        int expected = (WARM_UP_ROUNDS + rounds) * larkCallsPerRound;
        double drainMillis = 0;
        if (expected > 0) {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (callCount() - callsAtStart < expected) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(label + ": the daemon made " + (callCount() - callsAtStart)
                            + " Lark calls for " + (WARM_UP_ROUNDS + rounds) + " hook calls, expected " + expected
                            + " (does the hook reach the session's handoff?)");
                }
                LockSupport.parkNanos(LoopWatch.POLL_NANOS);
            }
            drainMillis = (System.nanoTime() - lastExit) / 1e6;
        }
        ProcessUsage used = usage().minus(before);
        // Warm-up calls included: the working card is posted by the first call of all, and updated after that.
        LarkCalls calls = LarkCalls.since(control, callsAtStart, callCount() - callsAtStart);
        HookCase c = new HookCase(
                label, rounds, latency, firstHalf, secondHalf, larkCallsPerRound, calls, maxBacklog, drainMillis, used);
        log.info(
                "{}: p50 {} ms (halves {} / {}), p99 {} ms, max {} ms; Lark calls {}; most outstanding at a start "
                        + "{}; drained {} ms after the last exit",
                label,
                fmt(latency.percentileMillis(50)),
                fmt(firstHalf.percentileMillis(50)),
                fmt(secondHalf.percentileMillis(50)),
                fmt(latency.percentileMillis(99)),
                fmt(latency.maxMillis()),
                calls,
                maxBacklog,
                fmt(drainMillis));
        return c;
    }

    // ---- PermissionRequest --------------------------------------------------------------------------------------

    /**
     * The measured permission rounds: hook start → card visible, click sent → decision printed, hook start →
     * decision printed, click sent → the daemon's ack of the click back at the emulator, decision printed → stdout
     * closed (the hook ended).
     */
    record PermissionRounds(
            int rounds,
            Latencies cardVisible,
            Latencies clickToDecision,
            Latencies startToDecision,
            Latencies clickAck,
            Latencies decisionToEnd,
            ProcessUsage used,
            LarkCalls calls) {}

    private PermissionRounds permissionRounds(HookProcess hook, int rounds) throws InterruptedException {
        awaitQuietLark();
        log.info("PermissionRequest: {} rounds to warm up, then {} measured", PERMISSION_WARM_UP_ROUNDS, rounds);
        byte[] input = PERMISSION_REQUEST.getBytes(StandardCharsets.UTF_8);
        JsonNode expected = ServerJson.mapper().readTree(ALLOW);
        Latencies cardVisible = new Latencies(rounds);
        Latencies clickToDecision = new Latencies(rounds);
        Latencies startToDecision = new Latencies(rounds);
        Latencies clickAck = new Latencies(rounds);
        Latencies decisionToEnd = new Latencies(rounds);
        ProcessUsage before = null;
        for (int i = 0; i < PERMISSION_WARM_UP_ROUNDS + rounds; i++) {
            Thread.sleep(PERMISSION_PAUSE.toMillis());
            boolean measured = i >= PERMISSION_WARM_UP_ROUNDS;
            if (i == PERMISSION_WARM_UP_ROUNDS) {
                before = usage();
            }
            int from = control.botMessages(chatId).size();
            HookProcess.Running running = hook.start(input, ALLOW_MARKER);
            permissionHook = running;
            String cardId = null;
            long visible = 0;
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (cardId == null) {
                List<EmuMessage> bot = control.botMessages(chatId);
                long now = System.nanoTime();
                for (int j = from; j < bot.size() && cardId == null; j++) {
                    if (bot.get(j).content().contains(PERMISSION_TITLE)) {
                        cardId = bot.get(j).messageId();
                        visible = now;
                    }
                }
                if (cardId == null) {
                    if (now > deadline) {
                        running.kill();
                        throw new IllegalStateException("permission round " + i + ": no card within " + TIMEOUT);
                    }
                    LockSupport.parkNanos(LoopWatch.POLL_NANOS);
                }
            }
            long click = System.nanoTime();
            control.clickButton(rig.alice, cardId, "Approve");
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
                        + run.stdout() + "', expected exactly " + ALLOW);
            }
            if (measured) {
                cardVisible.add(visible - run.startNanos());
                clickToDecision.add(run.markerNanos() - click);
                startToDecision.add(run.markerNanos() - run.startNanos());
                clickAck.add(acked - click);
                decisionToEnd.add(run.eofNanos() - run.markerNanos());
            }
        }
        // The daemon recolours each answered card in the background: let the last one go out before counting.
        awaitQuietLark();
        ProcessUsage used = usage().minus(before);
        LarkCalls calls = LarkCalls.since(control, before.calls(), used.calls());
        log.info(
                "PermissionRequest: card visible p50 {} ms, click → decision p50 {} ms, start → decision p50 {} "
                        + "ms; Lark calls {}",
                fmt(cardVisible.percentileMillis(50)),
                fmt(clickToDecision.percentileMillis(50)),
                fmt(startToDecision.percentileMillis(50)),
                calls);
        return new PermissionRounds(
                rounds, cardVisible, clickToDecision, startToDecision, clickAck, decisionToEnd, used, calls);
    }

    // ---- checks and helpers -------------------------------------------------------------------------------------

    /**
     * The script says nothing when it cannot reach the daemon, the same as when the daemon has nothing to say: so
     * that case (b) measures a round trip to the daemon, not a script giving up early, the same request is made
     * once with curl saying its HTTP status.
     */
    private void requireCurlReachesDaemon(Map<String, String> env, Path stderr) {
        String url = HttpEndpointFile.read(rig.home).orElseThrow();
        HookProcess curl = new HookProcess(
                List.of(
                        "curl",
                        "-sS",
                        "-o",
                        "/dev/null",
                        "-w",
                        "%{http_code}",
                        "-K",
                        rig.home.resolve(HttpEndpointFile.CURL_CONFIG).toString(),
                        "-X",
                        "POST",
                        "-H",
                        "Content-Type: application/json",
                        "-H",
                        "X-Lark-Handoff-Session-Id: " + SESSION_ID,
                        "--data-binary",
                        "@-",
                        url + "/hooks/PostToolUse"),
                env,
                stderr);
        HookProcess.Run run = curl.run(POST_TOOL_USE.getBytes(StandardCharsets.UTF_8));
        if (run.exitCode() != 0 || !"200".equals(run.stdout().strip())) {
            throw new IllegalStateException("curl to the daemon's /hooks/PostToolUse: exit " + run.exitCode()
                    + ", HTTP status '" + run.stdout() + "' (expected 200)");
        }
    }

    /** Waits until the emulator has answered no new Lark call for 500 ms: what came before is done. */
    private void awaitQuietLark() throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        int seen = callCount();
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < Duration.ofMillis(500).toNanos()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the daemon kept calling Lark for " + TIMEOUT);
            }
            Thread.sleep(20);
            int now = callCount();
            if (now != seen) {
                seen = now;
                quietSince = System.nanoTime();
            }
        }
    }

    private int callCount() {
        return control.calls().size();
    }

    private ProcessUsage usage() {
        return ProcessUsage.now(rig.daemonPid(), rig.proxy().pid(), callCount());
    }

    private static void parkUntil(long nanos) {
        for (long left; (left = nanos - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
        }
    }

    private static String fmt(double millis) {
        return Latencies.fmt(millis);
    }

    /** Ends a permission hook still waiting (after a failure), then everything the rig started. */
    private void cleanUp() {
        HookProcess.Running running = permissionHook;
        if (running != null) {
            running.kill();
        }
        rig.close();
    }
}
