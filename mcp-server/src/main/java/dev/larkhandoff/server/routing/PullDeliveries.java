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

    private final InboxRouter router;
    private final WakeSignal signal = new WakeSignal();

    public PullDeliveries(InboxRouter router) {
        this.router = router;
    }

    /** Routing stored or re-targeted something: waiting sessions look again. */
    public void wake() {
        signal.wake();
    }

    /** The session's pending deliveries, waiting up to {@code timeout} for at least one. Empty on timeout. */
    public List<ObjectNode> await(String sessionId, Duration timeout, ToolCall.Progress progress)
            throws InterruptedException {
        return signal.await(timeout, progress::report, "Lark messages", () -> {
            List<ObjectNode> ready = router.takeFor(sessionId);
            return ready.isEmpty() ? null : ready;
        }, List.of());
    }
}
