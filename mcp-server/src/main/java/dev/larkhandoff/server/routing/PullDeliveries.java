package dev.larkhandoff.server.routing;

import dev.larkhandoff.server.daemon.ToolCall;
import java.time.Duration;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * Where pull sessions (HTTP clients, {@code LARK_HANDOFF_DELIVERY=pull}) wait for their messages: a wait returns
 * at once when deliveries are pending, else blocks until routing signals new ones or the timeout passes, with
 * progress reported every few seconds so clients do not give up on a quiet channel.
 */
public final class PullDeliveries {

    private static final long PROGRESS_EVERY_MS = 5_000;

    private final InboxRouter router;
    private final Object signal = new Object();
    private long generation;

    public PullDeliveries(InboxRouter router) {
        this.router = router;
    }

    /** Routing stored or re-targeted something: waiting sessions look again. */
    public void wake() {
        synchronized (signal) {
            generation++;
            signal.notifyAll();
        }
    }

    /** The session's pending deliveries, waiting up to {@code timeout} for at least one. Empty on timeout. */
    public List<ObjectNode> await(String sessionId, Duration timeout, ToolCall.Progress progress)
            throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextProgress = start + PROGRESS_EVERY_MS * 1_000_000;
        while (true) {
            long seen;
            synchronized (signal) {
                seen = generation;
            }
            List<ObjectNode> ready = router.takeFor(sessionId);
            if (!ready.isEmpty()) {
                return ready;
            }
            long now = System.nanoTime();
            if (now >= deadline) {
                return List.of();
            }
            if (now >= nextProgress) {
                long waitedMs = (now - start) / 1_000_000;
                progress.report(waitedMs / 1000.0, timeout.toMillis() / 1000.0,
                        "waiting for Lark messages (" + waitedMs / 1000 + " s)");
                nextProgress = now + PROGRESS_EVERY_MS * 1_000_000;
            }
            long waitMs = Math.max(1, Math.min(deadline, nextProgress) - now) / 1_000_000 + 1;
            synchronized (signal) {
                if (generation == seen) {
                    signal.wait(waitMs);
                }
            }
        }
    }
}
