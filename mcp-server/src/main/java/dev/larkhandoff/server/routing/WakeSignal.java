package dev.larkhandoff.server.routing;

import dev.larkhandoff.server.tool.Cancellation;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * How a tool call waits for inbound messages without polling: it looks, and if nothing is there sleeps until
 * {@link #wake()} says something changed or the timeout passes, reporting progress every few seconds so clients
 * do not give up on a quiet chat. A wake between the look and the sleep is never missed.
 */
public final class WakeSignal {

    private static final long PROGRESS_EVERY_MS = 5_000;
    /** How soon a cancelled call notices; a wake is not sent on a cancel, so a cancellable wait looks this often. */
    private static final long CANCEL_CHECK_MS = 200;

    /** Receives the progress of a wait (the tool front turns it into MCP progress notifications). */
    @FunctionalInterface
    public interface Progress {
        void report(double done, Double total, String message);
    }

    private final Object lock = new Object();
    private long generation;

    /** Something was stored or re-targeted: every waiter looks again. */
    public void wake() {
        synchronized (lock) {
            generation++;
            lock.notifyAll();
        }
    }

    /**
     * Looks with {@code look} until it answers non-null (returned) or {@code timeout} passes ({@code onTimeout}
     * returned). Inside a cancellable call ({@link Cancellation}) a cancel ends the wait before the next look.
     *
     * @throws java.util.concurrent.CancellationException when the call was cancelled while waiting
     *
     * @param waitingFor what the progress messages say is awaited ("Lark messages")
     */
    public <T> T await(Duration timeout, Progress progress, String waitingFor, Supplier<T> look, T onTimeout)
            throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextProgress = start + PROGRESS_EVERY_MS * 1_000_000;
        while (true) {
            long seen;
            synchronized (lock) {
                seen = generation;
            }
            Cancellation.check();
            T found = look.get();
            if (found != null) {
                return found;
            }
            long now = System.nanoTime();
            if (now >= deadline) {
                return onTimeout;
            }
            if (now >= nextProgress) {
                long waitedMs = (now - start) / 1_000_000;
                progress.report(
                        waitedMs / 1000.0,
                        timeout.toMillis() / 1000.0,
                        "waiting for " + waitingFor + " (" + waitedMs / 1000 + " s)");
                nextProgress = now + PROGRESS_EVERY_MS * 1_000_000;
            }
            // Sleep until a wake, the next progress report or the deadline. A cancellable call also wakes every
            // CANCEL_CHECK_MS, but only to read its flag: the look (store reads) runs again only after a wake.
            long until = Math.min(deadline, nextProgress);
            boolean cancellable = Cancellation.active();
            synchronized (lock) {
                while (generation == seen) {
                    long left = until - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    Cancellation.check();
                    long waitMs = left / 1_000_000 + 1;
                    lock.wait(cancellable ? Math.min(waitMs, CANCEL_CHECK_MS) : waitMs);
                }
            }
        }
    }
}
