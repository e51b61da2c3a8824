package dev.larkhandoff.bench;

import java.time.Duration;
import java.util.Locale;

/**
 * One scenario of LoopBench as measured: the latencies of its rounds by leg, how long they took, the CPU the
 * processes used and the Lark calls the emulator answered meanwhile.
 *
 * @param acked       operator message → the daemon's ack of it reaches the emulator
 * @param thinkingOn  operator message → THINKING seen on it
 * @param reply       operator message → {@code send_and_wait} returns it
 * @param turn        {@code send_and_wait} returned → the agent calls it again (its check and think time)
 * @param thinkingOff {@code send_and_wait} called → THINKING seen gone
 * @param send        {@code send_and_wait} called → its answer visible in the emulator
 * @param offAfter    the answer visible → THINKING seen gone, negative where THINKING went first
 * @param order       in how many rounds THINKING was seen gone before, with or after the answer
 * @param loop        operator message → the next answer visible, less the agent's turn when it thinks
 * @param seconds     from the first round's operator message to the last round's answer
 */
record LoopScenario(
        Plan plan,
        int rounds,
        Latencies acked,
        Latencies thinkingOn,
        Latencies reply,
        Latencies turn,
        Latencies thinkingOff,
        Latencies send,
        Latencies offAfter,
        Order order,
        Latencies loop,
        double seconds,
        ProcessUsage used,
        LarkCalls calls) {

    /** How the operator and the agent behave in a scenario. */
    record Plan(String label, Duration pause, Duration think) {}

    /**
     * Rounds {@code from} to {@code to} (exclusive): round {@code n} runs from the operator's {@code q n} to the
     * agent's {@code answer n+1}, which the agent's call {@code n+1} posted.
     */
    static LoopScenario of(
            Plan plan, int from, int to, LoopWatch watch, LoopAgent agent, ProcessUsage used, LarkCalls calls) {
        int n = to - from;
        Latencies acked = new Latencies(n);
        Latencies thinkingOn = new Latencies(n);
        Latencies reply = new Latencies(n);
        Latencies turn = new Latencies(n);
        Latencies thinkingOff = new Latencies(n);
        Latencies send = new Latencies(n);
        Latencies offAfter = new Latencies(n);
        int offBefore = 0;
        int offWith = 0;
        int offLater = 0;
        Latencies loop = new Latencies(n);
        for (int r = from; r < to; r++) {
            long sent = watch.sentAt.get(r);
            long returned = agent.returnAt.get(r);
            long called = agent.callAt.get(r + 1);
            long visible = watch.visibleAt.get(r + 1);
            addIfSeen(acked, sent, watch.ackedAt.get(r));
            addIfSeen(thinkingOn, sent, watch.thinkingOnAt.get(r));
            reply.add(returned - sent);
            turn.add(called - returned);
            long off = watch.thinkingOffAt.get(r);
            addIfSeen(thinkingOff, called, off);
            send.add(visible - called);
            // Which of the two Lark shows first is measured, not taken from the daemon's code: it takes THINKING
            // off in the background, so nothing but the pacing of its calls orders them.
            addIfSeen(offAfter, visible, off);
            if (off != 0) {
                offBefore += off < visible ? 1 : 0;
                offWith += off == visible ? 1 : 0;
                offLater += off > visible ? 1 : 0;
            }
            // A thinking agent's think time is its own, not the loop's: leave it out.
            loop.add(visible - sent - (plan.think().isZero() ? 0 : called - returned));
        }
        return new LoopScenario(
                plan,
                n,
                acked,
                thinkingOn,
                reply,
                turn,
                thinkingOff,
                send,
                offAfter,
                new Order(offBefore, offWith, offLater),
                loop,
                (watch.visibleAt.get(to) - watch.sentAt.get(from)) / 1e9,
                used,
                calls);
    }

    /** Adds {@code to - from} when both were seen (a time of 0 is one the watch never saw). */
    private static void addIfSeen(Latencies l, long from, long to) {
        if (from != 0 && to != 0) {
            l.add(to - from);
        }
    }

    String summary() {
        return String.format(
                Locale.ROOT,
                "%s: %d rounds; p50/p99 ms: ack %.1f/%.1f, reply %.1f/%.1f, "
                        + "send %.1f/%.1f, THINKING off %.1f/%.1f, loop %.1f/%.1f; THINKING off before/with/after "
                        + "the answer %s; %.2f rounds/s; %s",
                plan.label(),
                rounds,
                acked.percentileMillis(50),
                acked.percentileMillis(99),
                reply.percentileMillis(50),
                reply.percentileMillis(99),
                send.percentileMillis(50),
                send.percentileMillis(99),
                thinkingOff.percentileMillis(50),
                thinkingOff.percentileMillis(99),
                loop.percentileMillis(50),
                loop.percentileMillis(99),
                order,
                rounds / seconds,
                calls);
    }

    /**
     * In how many rounds THINKING was seen gone before the answer was visible, in the same look (which came first
     * is then unknown: the look came late) and after it.
     */
    record Order(int before, int with, int after) {
        @Override
        public String toString() {
            return before + " / " + with + " / " + after;
        }
    }
}
