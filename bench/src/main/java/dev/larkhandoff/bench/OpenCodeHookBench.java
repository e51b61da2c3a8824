package dev.larkhandoff.bench;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.handoff.HandoffTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Measures what the OpenCode plugin adds to a tool call: its {@code tool.execute.before} and {@code
 * tool.execute.after} hooks around one bash call, run in-process by a Node driver as OpenCode runs them in its own,
 * against a real daemon spawned by a real stdio proxy: without the plugin, with it but no handoff, and with a
 * handoff at both filter levels. Writes its section of bench/RESULTS.md.
 */
public final class OpenCodeHookBench {

    private static final Logger log = LoggerFactory.getLogger(OpenCodeHookBench.class);

    /** The plugin's and the proxy's LARK_HANDOFF_SESSION_ID. */
    static final String SESSION_ID = "bench";

    static final String PLUGIN = "plugin-manifest/src/opencode/lark-handoff.js";
    static final String DRIVER = "bench/src/main/node/opencode-plugin-timing.mjs";
    static final int WARM_UP_ROUNDS = 50;
    /** Wider than the daemon's 210.5 ms between two cards to one chat: under {@code verbose} no card queues up. */
    static final Duration PACE = Duration.ofMillis(250);

    private record Case(String label, Latencies latency, int larkCalls) {}

    private final HandoffRig rig;
    private final Path checkout;

    private OpenCodeHookBench(Path launcher) throws IOException {
        this.rig = new HandoffRig("OpenCodeHookBench", launcher, "lho");
        this.checkout = rig.launcher.getParent();
    }

    public static void main(String[] args) throws Exception {
        ResultsFile results = ResultsFile.open(Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md"));
        Path launcher = Path.of(args.length > 1 ? args[1] : "lark-handoff");
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1");
        }
        DaemonProcesses.requireLauncher(launcher);
        OpenCodeHookBench bench = new OpenCodeHookBench(launcher);
        results.childrenCpu(bench.rig::childrenCpuSeconds);
        long expectedSeconds = 4L * (WARM_UP_ROUNDS + rounds) * PACE.toMillis() / 1000;
        HarnessRun.run(
                "OpenCodeHookBench",
                results,
                "opencode",
                "OpenCode plugin overhead per tool call " + "(OpenCodeHookBench)",
                Duration.ofSeconds(240 + 2 * expectedSeconds),
                bench.rig::close,
                bench.rig::printLogs,
                () -> bench.run(rounds));
    }

    private String run(int rounds) throws Exception {
        long started = System.nanoTime();
        Path project = Files.createDirectories(rig.base.resolve("project"));
        log.info("starting the session's proxy (it spawns the daemon)");
        rig.start(SESSION_ID, project, (readNanos, line) -> {});
        rig.awaitHookFiles();
        List<Case> cases = new ArrayList<>();
        cases.add(measure("(a) baseline: the same two hooks, doing nothing", "none", project, rounds, false));
        cases.add(measure("(b) the plugin, no handoff active", PLUGIN, project, rounds, false));
        String chat = rig.startHandoff("bench", "OpenCode");
        log.info("handoff started in {}", chat);
        cases.add(measure(
                "(c) the plugin, handoff active, filter `concise` (the call updates the working card)",
                PLUGIN,
                project,
                rounds,
                true));
        log.info("handoff_settings: {}", rig.call(HandoffTools.SETTINGS, Map.of("filter", "verbose")));
        cases.add(measure(
                "(d) the plugin, handoff active, filter `verbose` (the call is posted as a card)",
                PLUGIN,
                project,
                rounds,
                true));
        return render(cases, rounds, (System.nanoTime() - started) / 60e9);
    }

    /**
     * One case: the driver runs {@link #WARM_UP_ROUNDS} and then {@code rounds} measured tool calls, {@link #PACE}
     * apart. With a handoff the calls must reach it: the daemon then makes Lark calls for them.
     */
    private Case measure(String label, String plugin, Path project, int rounds, boolean reachesLark)
            throws IOException, InterruptedException {
        Thread.sleep(1_000); // the previous case's cards are out
        int callsBefore = rig.control.calls().size();
        log.info(
                "{}: {} rounds to warm up, then {} measured, {} ms apart",
                label,
                WARM_UP_ROUNDS,
                rounds,
                PACE.toMillis());
        Path out = rig.base.resolve("driver.out");
        ProcessBuilder pb = new ProcessBuilder(
                        "node",
                        checkout.resolve(DRIVER).toString(),
                        plugin.equals("none")
                                ? "none"
                                : checkout.resolve(plugin).toString(),
                        String.valueOf(WARM_UP_ROUNDS),
                        String.valueOf(rounds),
                        String.valueOf(PACE.toMillis()))
                .directory(project.toFile())
                .redirectOutput(out.toFile())
                .redirectError(rig.base.resolve("driver.stderr").toFile());
        pb.environment().put("LARK_HANDOFF_HOME", rig.home.toString());
        pb.environment().put("LARK_HANDOFF_SESSION_ID", SESSION_ID);
        Process p = pb.start();
        p.getOutputStream().close();
        long bound = 60 + 2L * (WARM_UP_ROUNDS + rounds) * PACE.toMillis() / 1000;
        if (!p.waitFor(bound, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(
                    label + ": the driver failed: " + Files.readString(rig.base.resolve("driver.stderr")));
        }
        JsonNode nanos = ServerJson.mapper()
                .readTree(Files.readString(out, StandardCharsets.UTF_8))
                .path("nanos");
        Latencies latency = new Latencies(rounds);
        nanos.forEach(n -> latency.add(n.asLong()));
        Thread.sleep(1_000);
        int larkCalls = rig.control.calls().size() - callsBefore;
        if (reachesLark && larkCalls == 0) {
            throw new IllegalStateException(label + ": no Lark call for " + (WARM_UP_ROUNDS + rounds) + " tool calls "
                    + "(does the plugin reach the session's handoff?)");
        }
        if (!reachesLark && larkCalls != 0) {
            throw new IllegalStateException(label + ": " + larkCalls + " Lark calls where none were expected");
        }
        log.info(
                "{}: p50 {} ms, p99 {} ms, max {} ms; Lark calls {}",
                label,
                fmt(latency.percentileMillis(50)),
                fmt(latency.percentileMillis(99)),
                fmt(latency.maxMillis()),
                larkCalls);
        return new Case(label, latency, larkCalls);
    }

    private String render(List<Case> cases, int rounds, double minutes) throws IOException, InterruptedException {
        StringBuilder md = new StringBuilder();
        md.append("What the OpenCode plugin (`")
                .append(PLUGIN)
                .append(
                        "`) adds to one tool call: its `tool.execute."
                                + "before` and `tool.execute.after` hooks around a bash call, back to back, timed in-process by `")
                .append(DRIVER)
                .append("` under Node ")
                .append(nodeVersion())
                .append(" (OpenCode runs plugins in its "
                        + "own Bun process; the hooks use only `node:http`, which both provide). Against a real daemon "
                        + "spawned by a real stdio proxy (`")
                .append(rig.proxyCommand())
                .append("`) and the emulator. ")
                .append(WARM_UP_ROUNDS)
                .append(" warm-up calls, then ")
                .append(rounds)
                .append(" measured, ")
                .append(PACE.toMillis())
                .append(" ms apart, in each case. ")
                .append(String.format(Locale.ROOT, "%.1f", minutes))
                .append(" minutes in all.\n\n");
        md.append("| case | p50 ms | p99 ms | max ms | Lark calls |\n|---|---:|---:|---:|---:|\n");
        for (Case c : cases) {
            md.append("| ")
                    .append(c.label())
                    .append(" | ")
                    .append(fmt(c.latency().percentileMillis(50)))
                    .append(" | ")
                    .append(fmt(c.latency().percentileMillis(99)))
                    .append(" | ")
                    .append(fmt(c.latency().maxMillis()))
                    .append(" | ")
                    .append(c.larkCalls())
                    .append(" |\n");
        }
        md.append("\nThe forwarding itself (the card, the working-card update) happens in the daemon after it has "
                + "answered, so it is not in these figures; what is, is two local HTTP round trips to the daemon "
                + "(PreToolUse, then PostToolUse) and the JSON on both sides.\n");
        return md.toString();
    }

    private static String nodeVersion() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("node", "--version")
                .redirectErrorStream(true)
                .start();
        String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor(10, TimeUnit.SECONDS);
        return v;
    }

    private static String fmt(double millis) {
        return Latencies.fmt(millis);
    }
}
