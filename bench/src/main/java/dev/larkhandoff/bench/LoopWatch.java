package dev.larkhandoff.bench;

import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.server.handoff.HandoffOutbox;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * What the operator of LoopBench sees in the handoff group, with the {@link System#nanoTime} each thing was first
 * seen, by round: its message acknowledged, THINKING put on it and taken off again, and the agent's next answer.
 * The emulator has no hook for stored messages or reactions, so this looks every {@link #POLL_NANOS}.
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

    /**
     * Waits for the bot's {@code answer n} among the chat's messages from index {@code from} on, meanwhile noting
     * THINKING on and off the operator's message {@code questionId} of round {@code n - 1} (none for n = 0).
     * {@code agentFailure} ends the wait early.
     */
    void awaitAnswer(int n, int from, String questionId, Supplier<Throwable> agentFailure) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        int round = n - 1;
        while (true) {
            List<EmuMessage> messages = emulator.control().messagesIn(chatId);
            boolean thinking = questionId != null && emulator.state().reactions(questionId).stream()
                    .anyMatch(r -> HandoffOutbox.THINKING.equals(r.emojiType()));
            long now = System.nanoTime();
            if (thinking) {
                thinkingOnAt.compareAndSet(round, 0, now);
            } else if (questionId != null && thinkingOnAt.get(round) != 0) {
                thinkingOffAt.compareAndSet(round, 0, now);
            }
            for (int i = messages.size() - 1; i >= from; i--) {
                EmuMessage m = messages.get(i);
                if (m.sender().isApp() && LoopAgent.isAnswer(m.content(), n)) {
                    visibleAt.set(n, now);
                    return;
                }
            }
            Throwable failed = agentFailure.get();
            if (failed != null) {
                throw new IllegalStateException("the agent failed before answer " + n, failed);
            }
            if (now > deadline) {
                throw new IllegalStateException("answer " + n + " did not appear within " + TIMEOUT);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
