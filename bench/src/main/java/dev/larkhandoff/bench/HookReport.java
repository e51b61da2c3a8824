package dev.larkhandoff.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** HookBench's section of bench/RESULTS.md: the method, the PostToolUse cases, then the permission round trip. */
final class HookReport {

    /** Everything the section reports. */
    record Inputs(
            String proxyCommand,
            String daemonCommand,
            String script,
            String postToolUse,
            String permissionRequest,
            int warmUpRounds,
            Duration pace,
            List<HookBench.HookCase> cases,
            int permissionWarmUp,
            Duration permissionPause,
            long pollNanos,
            HookBench.PermissionRounds permission,
            double minutes) {}

    private HookReport() {}

    static String render(Inputs in) {
        StringBuilder md = new StringBuilder();
        int rounds = in.cases().get(0).rounds();
        md.append(String.format(
                Locale.ROOT,
                """
                Measured by dev.larkhandoff.bench.HookBench through real processes on loopback: one agent \
                session's stdio proxy as the repository's `lark-handoff` launcher starts it (`%s`, role `session`, \
                `LARK_HANDOFF_SESSION_ID=bench`, `CLAUDE_PROJECT_DIR` a temp directory), the daemon that proxy \
                spawned (`%s`), which listens on loopback for the hooks and wrote `<home>/http.json` and \
                `<home>/hooks.curlrc`, and the emulator as Lark inside the bench JVM, which also runs the MCP Java \
                SDK client and starts every hook. They share the machine's %d cores. The home's `config.json` names \
                the operator by email (Alice, `%s` in the emulator). The whole run took %.1f min. Figures from one \
                run; on a shared 2-core machine they move with whatever else runs (see *other processes* above).

                Method: the hook is the plugin's own script, `%s`, run as Claude Code runs a command hook: one \
                child process of the bench JVM per call, `/bin/sh <script> <Event>` (`/bin/sh` is dash here), with \
                `LARK_HANDOFF_HOME`, `LARK_HANDOFF_SESSION_ID=bench` and `CLAUDE_PROJECT_DIR` (the proxy's) in its \
                environment, the hook's JSON written to its stdin and stdin closed, its stdout read to the end, its \
                exit awaited. A run is timed with `System.nanoTime` of the bench JVM from just before \
                `ProcessBuilder.start` to the exit seen, so Java's own process start and reaping are in every \
                figure, the baseline's too. The script (besides `/bin/sh` itself) runs `dirname` and `sed` in \
                command substitutions and then curl, which posts the JSON to the daemon's `/hooks/<Event>` over a \
                new loopback connection with the bearer token from `hooks.curlrc` and prints the answer.

                **PostToolUse.** The input, %d bytes, is a Bash call: `%s`. Four cases, one after the other, each \
                %d rounds that are not counted and then %d that are (p99 of %d is its %s value), every round \
                started %d ms after the one before (start to start), in every case alike: (a) a command hook that \
                does nothing but read its input, what any command hook costs; (b) the lark-handoff hook while the \
                session holds no handoff (the daemon looks the session up and answers nothing; that curl reaches \
                the daemon, HTTP 200, is checked once before); (c) the same after `handoff_start` (`mode: new`), \
                under the default filter `concise`, which turns the call into an update of the working card; (d) \
                the same after `handoff_settings` `{"filter":"verbose"}`, which posts the call as a card of its \
                own. In (c) and (d) the daemon answers the hook at once (every run printed nothing and exited 0, \
                checked) and makes its Lark call afterwards, on a thread of its own; it paces its calls at Lark's \
                limits less 5%%, cards to one chat at least 210.5 ms apart and any two calls of the app at least \
                21.05 ms apart, so the %d ms between rounds leaves each card time to go out before the next call. \
                Whether it kept up: before each round starts the bench counts the Lark calls the emulator has \
                answered since the case began against one per round so far (*outstanding at a start*, the most \
                over the measured rounds), and at the end of a case waits until every call is in.

                | case | rounds | p50 | p99 | max | p50 over (a) | p50, first / second half of the rounds |
                |---|---|---|---|---|---|---|
                """,
                in.proxyCommand(),
                in.daemonCommand(),
                Runtime.getRuntime().availableProcessors(),
                HandoffRig.OPERATOR_EMAIL,
                in.minutes(),
                in.script(),
                in.postToolUse().getBytes(StandardCharsets.UTF_8).length,
                in.postToolUse(),
                in.warmUpRounds(),
                rounds,
                rounds,
                LoopReport.ordinal(rounds - (int) Math.ceil(0.99 * rounds) + 1),
                in.pace().toMillis(),
                in.pace().toMillis()));
        double baseline = in.cases().get(0).latency().percentileMillis(50);
        for (int i = 0; i < in.cases().size(); i++) {
            HookBench.HookCase c = in.cases().get(i);
            Latencies l = c.latency();
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %,d | %.2f ms | %.2f ms | %.2f ms | %s | %.2f / %.2f ms |%n",
                    c.label(),
                    l.count(),
                    l.percentileMillis(50),
                    l.percentileMillis(99),
                    l.maxMillis(),
                    i == 0 ? "–" : String.format(Locale.ROOT, "**%+.2f ms**", l.percentileMillis(50) - baseline),
                    c.firstHalf().percentileMillis(50),
                    c.secondHalf().percentileMillis(50)));
        }

        md.append("""

                Per case: the CPU used per measured round (from `/proc`, 10 ms ticks, over all its measured rounds): \
                by the hook's processes (the sh and everything it ran, counted once the bench JVM reaped it), by \
                the daemon and by the bench JVM; the Lark calls the emulator answered in the whole case, warm-up \
                included; the most calls outstanding when a measured round started; and how long after the last \
                hook exited the last call was in.

                | case | hook processes CPU | daemon CPU | bench JVM CPU | Lark calls (warm-up included) | outstanding at a start | last call in after the last exit |
                |---|---|---|---|---|---|---|
                """);
        for (HookBench.HookCase c : in.cases()) {
            boolean background = c.larkCallsPerRound() > 0;
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %.2f ms | %.2f ms | %.2f ms | %s | %s | %s |%n",
                    c.label().substring(0, c.label().indexOf(')') + 1),
                    1000 * c.used().endedChildren() / c.rounds(),
                    1000 * c.used().daemon() / c.rounds(),
                    1000 * c.used().bench() / c.rounds(),
                    calls(c.calls()),
                    background ? Integer.toString(c.maxBacklog()) : "–",
                    background ? String.format(Locale.ROOT, "%.0f ms", c.drainMillis()) : "–"));
        }

        md.append(keptUp(in.cases()));

        HookBench.PermissionRounds p = in.permission();
        md.append(String.format(
                Locale.ROOT,
                """

                **Permission round trip.** With the handoff still active, the script runs as the PermissionRequest \
                hook with `%s`. The daemon posts a "Permission Request" card (Approve / Approve All / Deny) in the \
                handoff group and holds the hook's request open until an answer comes. The bench looks for the card \
                among `EmulatorControl.botMessages(chat)` every %.0f ms (`LockSupport.parkNanos`; a card is seen \
                late by up to one interval, about half of it on average), then clicks it as Alice: \
                `EmulatorControl.clickButton(alice, card, "Approve")`, which pushes the `card.action.trigger` event \
                over the long connection and returns once the daemon acked it. The daemon finds the click in its \
                inbox, answers the hook, and curl prints the decision: the moment it is *printed* is when a thread \
                of the bench reading the hook's stdout first has `"behavior":"allow"` in what it read. Every \
                round's output, parsed as JSON, is exactly `{"hookSpecificOutput":{"hookEventName":\
                "PermissionRequest","decision":{"behavior":"allow"}}}` and the exit code 0 (checked). %d rounds not \
                counted, then %d that are (p99 of %d is its %s value); each round starts %d ms after the previous \
                hook ended, past the daemon's 210.5 ms between two cards to one chat. (iii) includes the bench's own \
                reaction: seeing the card (the polling above) and sending the click.

                | leg | rounds | p50 | p99 | max |
                |---|---|---|---|---|
                """,
                in.permissionRequest(),
                in.pollNanos() / 1e6,
                in.permissionWarmUp(),
                p.rounds(),
                p.rounds(),
                LoopReport.ordinal(p.rounds() - (int) Math.ceil(0.99 * p.rounds()) + 1),
                in.permissionPause().toMillis()));
        md.append(row("(i) hook started → card visible in the emulator", p.cardVisible()));
        md.append(row("(ii) click sent → decision printed by the hook", p.clickToDecision()));
        md.append(row("**(iii) hook started → decision printed**", p.startToDecision()));
        md.append(row(
                "click sent → the daemon's ack of the click back at the emulator (`clickButton` returns)",
                p.clickAck()));
        md.append(row("after (iii): decision printed → the hook's stdout closed (it ended)", p.decisionToEnd()));
        md.append(String.format(
                Locale.ROOT,
                """

                Per measured permission round: hook processes %.2f ms of CPU, daemon %.2f ms, bench JVM %.2f ms; \
                Lark calls %s.
                """,
                1000 * p.used().endedChildren() / p.rounds(),
                1000 * p.used().daemon() / p.rounds(),
                1000 * p.used().bench() / p.rounds(),
                perRound(p.calls(), p.rounds())));
        return md.toString();
    }

    /** Whether the daemon's background Lark calls kept up with the hooks, case by case, from the counts. */
    private static String keptUp(List<HookBench.HookCase> cases) {
        StringBuilder out = new StringBuilder("\nBackground posts: ");
        List<String> parts = new ArrayList<>();
        for (HookBench.HookCase c : cases) {
            if (c.larkCallsPerRound() == 0) {
                continue;
            }
            String label = c.label().substring(0, c.label().indexOf(')') + 1);
            int total = c.calls().known() ? c.calls().total() : -1;
            parts.add(String.format(
                    Locale.ROOT,
                    "in %s the daemon made %s Lark calls for its %,d hook calls (warm-up "
                            + "included), the last one answered %.0f ms after the last hook exited, and %s",
                    label,
                    total < 0 ? "an unknown number of" : String.format(Locale.ROOT, "%,d", total),
                    c.rounds() + HookBench.WARM_UP_ROUNDS,
                    c.drainMillis(),
                    c.maxBacklog() == 0
                            ? "none was still outstanding when a measured round started"
                            : "up to " + c.maxBacklog() + " were still outstanding when a measured round started"));
        }
        boolean all = cases.stream().allMatch(c -> c.larkCallsPerRound() == 0 || c.maxBacklog() == 0);
        return out.append(String.join("; ", parts))
                .append(all ? ": they kept up.\n" : ": they fell behind.\n")
                .toString();
    }

    private static String row(String leg, Latencies l) {
        return String.format(
                Locale.ROOT,
                "| %s | %,d | %.2f ms | %.2f ms | %.2f ms |%n",
                leg,
                l.count(),
                l.percentileMillis(50),
                l.percentileMillis(99),
                l.maxMillis());
    }

    private static String calls(LarkCalls c) {
        if (!c.known()) {
            return "unknown (the emulator's call log overflowed)";
        }
        int total = c.total();
        if (total == 0) {
            return "none";
        }
        return String.format(
                Locale.ROOT,
                "%,d: cards sent %,d · cards updated %,d%s",
                total,
                c.sends(),
                c.patches(),
                total == c.sends() + c.patches() ? "" : " · other " + (total - c.sends() - c.patches()));
    }

    private static String perRound(LarkCalls c, int rounds) {
        if (!c.known()) {
            return "unknown (the emulator's call log overflowed)";
        }
        return String.format(
                Locale.ROOT,
                "%.2f cards sent and %.2f cards updated a round, %d other in all",
                c.sends() / (double) rounds,
                c.patches() / (double) rounds,
                c.reactionsAdded() + c.reactionsRemoved() + c.other());
    }
}
