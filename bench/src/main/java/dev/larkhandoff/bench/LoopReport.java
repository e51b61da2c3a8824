package dev.larkhandoff.bench;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** LoopBench's section of bench/RESULTS.md: the method, a table of each scenario's legs, then CPU and Lark calls. */
final class LoopReport {

    /** Everything the section reports. */
    record Inputs(
            String proxyCommand,
            String daemonCommand,
            int warmUpRounds,
            int settleRounds,
            int rounds,
            long pollNanos,
            Duration idleSpan,
            ProcessUsage idle,
            List<LoopScenario> scenarios,
            int channelLines,
            double minutes) {}

    private LoopReport() {}

    static String render(Inputs in) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(
                Locale.ROOT,
                """
                Measured by dev.larkhandoff.bench.LoopBench through real processes on loopback: one agent session's \
                stdio proxy as the repository's `lark-handoff` launcher starts it (`%s`, role `session`), the \
                daemon that proxy spawned (`%s`), and the emulator as Lark inside the bench JVM, which also runs \
                the MCP Java SDK client (the agent, on a thread of its own) and the operator (the main thread). They \
                share the machine's %d cores. The home's `config.json` names the operator by email (Alice, \
                `%s` in the emulator); `handoff_start` with `mode: new` makes a group, invites her and binds it to \
                the session. The whole run took %.1f min. Figures from one run; on a shared 2-core machine they \
                move with whatever else runs (see *other processes* above).

                Method: in every round `n` the agent is blocked in `send_and_wait` (`message` `answer <n>`, \
                `timeout_seconds` %d), which has posted `answer <n>` and waits. The round's clock starts just before \
                the operator thread calls `EmulatorControl.sendText(alice, chat, "q <n>")`: the emulator stores the \
                message and pushes its `im.message.receive_v1` event over the long connection; the daemon stores it \
                in its inbox and acks it, hands it to the bound session's wait, puts the THINKING reaction on it in \
                Lark, and answers the wait through the proxy. **(a) reply** ends when `send_and_wait` returns in the \
                agent thread with exactly one reply whose `text` is `q <n>` (checked every round). The agent then \
                calls `send_and_wait` again with `answer <n+1>`, at once (p50 %s from the return to that call, the \
                check of the reply included) or after its think time; the daemon posts the answer as a card, then \
                starts taking THINKING off `q <n>` without waiting for it, and waits again. **(c) send leg** runs \
                from that call to the answer being visible in the emulator, and **(b) full loop** from the \
                operator's message to that same moment, less the agent's think time where it thinks. The emulator \
                has no hook for stored messages or reactions, so the operator thread looks every %.0f ms \
                (`LockSupport.parkNanos`, about 1.1 ms in practice) for a bot message containing `answer <n+1>` \
                among the chat's messages, and at the reactions on every `q` it has not yet seen THINKING come off, \
                during its pauses too: whatever is seen that way is late by up to one interval (about half of it \
                on average). The next round starts once the answer is visible (and the pause is over), whether or \
                not THINKING is off by then; a scenario's measured rounds end once the last THINKING is seen gone \
                as well, so its CPU and Lark calls are its own. One clock throughout: `System.nanoTime` of the \
                bench JVM. First %d rounds back to back warm the processes up: the launcher runs their JVMs with \
                C1 only (`-XX:TieredStopAtLevel=1`), which compiles a method after about 200 calls, and much of the \
                loop runs once a round. Then each scenario runs %d rounds that are not counted and %d that are (p99 \
                of %d is its %s value).

                Rate limits: the emulator's own (HTTP 429 above 5 sends/s per chat or 50 calls/s per app) are \
                **lifted** (`EmulatorOptions.withRateLimits(0, 0)`, also its default), so Lark never refuses a \
                call. The daemon's Lark client still **paces itself** at Lark's limits less 5%%, as in production \
                (nothing configures it): sends to one chat at least 210.5 ms apart, and any two calls of the app at \
                least 21.05 ms apart. Every round makes three calls: THINKING on, which the wait's return waits \
                for; the card, which `send_and_wait` waits for; and THINKING off, which the daemon starts after the \
                card and does not wait for. So the card goes out no sooner than 21.05 ms after THINKING on, \
                THINKING off no sooner than 21.05 ms after the card, and the next round's THINKING on no sooner \
                than 21.05 ms after that. The scenarios show what that does to the loop: in %s the operator writes \
                %d ms after each answer became visible (slower than the per-chat pacing, so it never holds an \
                answer back) and the agent answers at once, so its card waits for the app's slot after THINKING \
                on; %s is the same with an agent that thinks %d ms first, as any real agent does and longer, by \
                when that slot is long past; in %s the operator writes as soon as an answer is visible, faster than \
                the 4.75 sends a second the daemon allows a chat, so each answer waits for its slot, and THINKING \
                on for its own behind the previous round's THINKING off: that scenario measures the pacing, not the \
                loop.

                | scenario | leg | rounds | p50 | p99 | max |
                |---|---|---|---|---|---|
                """,
                in.proxyCommand(),
                in.daemonCommand(),
                Runtime.getRuntime().availableProcessors(),
                HandoffRig.OPERATOR_EMAIL,
                in.minutes(),
                LoopAgent.WAIT_SECONDS,
                agentTurn(in),
                in.pollNanos() / 1e6,
                in.warmUpRounds(),
                in.settleRounds(),
                in.rounds(),
                in.rounds(),
                ordinal(in.rounds() - (int) Math.ceil(0.99 * in.rounds()) + 1),
                name(0),
                in.scenarios().get(0).plan().pause().toMillis(),
                name(1),
                in.scenarios().get(1).plan().think().toMillis(),
                name(2)));
        for (int i = 0; i < in.scenarios().size(); i++) {
            LoopScenario s = in.scenarios().get(i);
            String label = (i + 1) + ". " + s.plan().label();
            md.append(row(label, "(a) operator message → `send_and_wait` returns", s.reply()));
            md.append(row(label, "(c) `send_and_wait` called → its answer visible (send leg)", s.send()));
            md.append(row(
                    label,
                    s.plan().think().isZero()
                            ? "**(b) operator message → next answer visible (full loop)**"
                            : "(b) operator message → next answer visible, less the think time",
                    s.loop()));
        }

        md.append("""

                Where the time goes, p50 / p99 of each step as the emulator saw it: the daemon's ack of the \
                operator's message reaching Lark, THINKING seen on the message, and (a), each from the operator's \
                message; the answer visible (c) and THINKING seen gone from `q <n>`, each from the agent's next \
                call; from the answer being visible to THINKING seen gone (negative where THINKING went first); and \
                in how many rounds THINKING was seen gone before the answer, in the same look (when a look comes \
                late, which of the two came first is unknown) and after it.

                | scenario | message → ack at Lark | message → THINKING on | (a) message → `send_and_wait` returns | (c) next call → answer visible | next call → THINKING off | answer visible → THINKING off | THINKING off before / with / after the answer |
                |---|---|---|---|---|---|---|---|
                """);
        for (int i = 0; i < in.scenarios().size(); i++) {
            LoopScenario s = in.scenarios().get(i);
            md.append(String.format(
                    Locale.ROOT,
                    "| %d. %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    i + 1,
                    s.plan().label(),
                    p50p99(s.acked(), s.rounds()),
                    p50p99(s.thinkingOn(), s.rounds()),
                    p50p99(s.reply(), s.rounds()),
                    p50p99(s.send(), s.rounds()),
                    p50p99(s.thinkingOff(), s.rounds()),
                    p50p99(s.offAfter(), s.rounds()),
                    s.order()));
        }

        double idleSeconds = in.idleSpan().toNanos() / 1e9;
        md.append(String.format(
                Locale.ROOT,
                """

                Per round of each scenario (its measured rounds, pauses included): how fast the rounds went, the CPU \
                each process used (from `/proc/<pid>/stat`, 10 ms ticks), and the Lark calls the emulator answered. \
                For scale, while the agent waited and nobody wrote (%.0f s before the warm-up) the daemon used \
                %.1f ms of CPU a second and the proxy %.1f ms (one tick in that time is %.1f ms a second).

                | scenario | rounds/s | daemon CPU | proxy CPU | bench JVM CPU | Lark calls per round |
                |---|---|---|---|---|---|
                """,
                idleSeconds,
                1000 * in.idle().daemon() / idleSeconds,
                1000 * in.idle().proxy() / idleSeconds,
                10 / idleSeconds));
        for (int i = 0; i < in.scenarios().size(); i++) {
            LoopScenario s = in.scenarios().get(i);
            md.append(String.format(
                    Locale.ROOT,
                    "| %d. %s | %.2f | %.1f ms | %.1f ms | %.1f ms | %s |%n",
                    i + 1,
                    s.plan().label(),
                    s.rounds() / s.seconds(),
                    1000 * s.used().daemon() / s.rounds(),
                    1000 * s.used().proxy() / s.rounds(),
                    1000 * s.used().bench() / s.rounds(),
                    calls(s.calls(), s.rounds())));
        }
        if (in.channelLines() > 0) {
            md.append(String.format(
                    Locale.ROOT,
                    "%nThe proxy also wrote %d channel notifications, which a bound "
                            + "handoff chat should not cause.%n",
                    in.channelLines()));
        }
        return md.toString();
    }

    private static String name(int i) {
        return "scenario " + (i + 1);
    }

    /** "p50 / p99 ms", and how many rounds it covers when the watch missed some. */
    private static String p50p99(Latencies l, int rounds) {
        return String.format(
                Locale.ROOT,
                "%.1f / %.1f ms%s",
                l.percentileMillis(50),
                l.percentileMillis(99),
                l.count() == rounds ? "" : String.format(Locale.ROOT, " (%d of %d rounds)", l.count(), rounds));
    }

    private static String row(String scenario, String leg, Latencies l) {
        return String.format(
                Locale.ROOT,
                "| %s | %s | %,d | %.2f ms | %.2f ms | %.2f ms |%n",
                scenario,
                leg,
                l.count(),
                l.percentileMillis(50),
                l.percentileMillis(99),
                l.maxMillis());
    }

    private static String calls(LarkCalls c, int rounds) {
        if (!c.known()) {
            return "unknown (the emulator's call log overflowed)";
        }
        return String.format(
                Locale.ROOT,
                "messages sent %s · reactions added %s · reactions removed %s · other %s",
                perRound(c.sends(), rounds),
                perRound(c.reactionsAdded(), rounds),
                perRound(c.reactionsRemoved(), rounds),
                perRound(c.patches() + c.other(), rounds));
    }

    private static String perRound(int count, int rounds) {
        return count % rounds == 0
                ? Integer.toString(count / rounds)
                : String.format(Locale.ROOT, "%.2f", count / (double) rounds);
    }

    /** The agent's own time between a return and its next call when it answers at once, p50. */
    private static String agentTurn(Inputs in) {
        Latencies all = new Latencies(
                in.scenarios().stream().mapToInt(LoopScenario::rounds).sum());
        in.scenarios().stream().filter(s -> s.plan().think().isZero()).forEach(s -> all.addAll(s.turn()));
        return String.format(Locale.ROOT, "%.2f ms", all.percentileMillis(50));
    }

    /** "highest", "second-highest" … for the n-th highest value. */
    static String ordinal(int n) {
        return switch (n) {
            case 1 -> "highest";
            case 2 -> "second-highest";
            case 3 -> "third-highest";
            default -> n + "th-highest";
        };
    }
}
