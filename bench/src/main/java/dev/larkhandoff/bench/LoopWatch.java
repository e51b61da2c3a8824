package dev.larkhandoff.bench;

import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.server.handoff.HandoffOutbox;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * What the operator of LoopBench sees in the handoff group, with the {@link System#nanoTime} each thing was first
 * seen, by round: its message acknowledged, THINKING put on it and taken off again, and the agent's next answer.
 * The emulator has no hook for stored messages or reactions, so this looks every {@link #POLL_NANOS}.
 *
 * <p>THINKING is watched apart from the answer, on every question it has not yet been seen gone from: the daemon
 * takes it off in the background after the card, so it may come off while the operator pauses or while the next
 * round already runs. Not thread-safe: the operator thread alone calls it.
 */
final class LoopWatch {

    static final long POLL_NANOS = 1_000_000;
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Just before the operator's {@code q n}. */
    final AtomicLongArray sentAt;
    /** When the daemon's ack of {@code q n} reached the emulator (it acks once the message is in its inbox). */
    final AtomicLongArray ackedAt;
    /** When THINKING was first seen on {@code q n}, and first seen gone again. */
    final AtomicLongArray thinkingOnAt;

    final AtomicLongArray thinkingOffAt;
    /** When {@code answer n} was first seen. */
    final AtomicLongArray visibleAt;

    private final LarkEmulator emulator;
    private final String chatId;
    /** Round → message id of the operator's questions THINKING has not been seen gone from yet, oldest first. */
    private final Map<Integer, String> thinkingPending = new LinkedHashMap<>();

    LoopWatch(LarkEmulator emulator, String chatId, int rounds) {
        this.emulator = emulator;
        this.chatId = chatId;
        this.sentAt = new AtomicLongArray(rounds);
        this.ackedAt = new AtomicLongArray(rounds);
        this.thinkingOnAt = new AtomicLongArray(rounds);
        this.thinkingOffAt = new AtomicLongArray(rounds);
        this.visibleAt = new AtomicLongArray(rounds + 1);
    }

    /** The number of top-level messages in the chat: an answer still to come will be at this index or after. */
    int messageCount() {
        return emulator.control().messagesIn(chatId).size();
    }

    /** The operator sent {@code q round} as message {@code questionId}: watch THINKING go on it and off again. */
    void asked(int round, String questionId) {
        thinkingPending.put(round, questionId);
    }

    /**
     * Waits for the bot's {@code answer n} among the chat's messages from index {@code from} on, meanwhile noting
     * THINKING on and off every question still pending. {@code agentFailure} ends the wait early.
     */
    void awaitAnswer(int n, int from, Supplier<Throwable> agentFailure) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            List<EmuMessage> messages = emulator.control().messagesIn(chatId);
            long now = System.nanoTime();
            lookAtThinking(now);
            for (int i = messages.size() - 1; i >= from; i--) {
                EmuMessage m = messages.get(i);
                if (m.sender().isApp() && LoopAgent.isAnswer(m.content(), n)) {
                    visibleAt.set(n, now);
                    return;
                }
            }
            failIf(agentFailure, now > deadline, () -> "answer " + n + " did not appear within " + TIMEOUT);
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /**
     * The operator's pause: watches THINKING while some is still to come off, then sleeps the rest, so the pause
     * costs the bench JVM no more polling than it needs.
     */
    void pause(Duration pause, Supplier<Throwable> agentFailure) {
        long until = System.nanoTime() + pause.toNanos();
        for (long now = System.nanoTime(); now < until; now = System.nanoTime()) {
            lookAtThinking(now);
            failIf(agentFailure, false, null);
            LockSupport.parkNanos(thinkingPending.isEmpty() ? until - now : Math.min(POLL_NANOS, until - now));
        }
    }

    /** Waits until THINKING has been seen gone from every question asked, as it must after each answer. */
    void awaitThinkingOff(Supplier<Throwable> agentFailure) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            long now = System.nanoTime();
            lookAtThinking(now);
            if (thinkingPending.isEmpty()) {
                return;
            }
            failIf(
                    agentFailure,
                    now > deadline,
                    () -> "THINKING did not come off q " + thinkingPending.keySet() + " within " + TIMEOUT);
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** Notes THINKING seen on, and seen gone after it was on, for every pending question; drops those done. */
    private void lookAtThinking(long now) {
        for (Iterator<Map.Entry<Integer, String>> it =
                        thinkingPending.entrySet().iterator();
                it.hasNext(); ) {
            Map.Entry<Integer, String> e = it.next();
            int round = e.getKey();
            boolean thinking = emulator.state().reactions(e.getValue()).stream()
                    .anyMatch(r -> HandoffOutbox.THINKING.equals(r.emojiType()));
            if (thinking) {
                thinkingOnAt.compareAndSet(round, 0, now);
            } else if (thinkingOnAt.get(round) != 0) {
                thinkingOffAt.compareAndSet(round, 0, now);
                it.remove();
            }
        }
    }

    /** Ends a wait: when the agent failed, or {@code late} with what did not happen in time. */
    private static void failIf(Supplier<Throwable> agentFailure, boolean late, Supplier<String> what) {
        Throwable failed = agentFailure.get();
        if (failed != null) {
            throw new IllegalStateException("the agent failed", failed);
        }
        if (late) {
            throw new IllegalStateException(what.get());
        }
    }
}
