package dev.larkhandoff.server.routing;

import dev.larkhandoff.server.tool.ToolCall;
import java.time.Duration;

/**
 * Where pull sessions (HTTP clients, {@code LARK_HANDOFF_DELIVERY=pull}) wait for their messages: a wait returns
 * at once when deliveries are pending, else blocks until routing signals new ones or the timeout passes, with
 * progress reported every few seconds so clients do not give up on a quiet channel. A wait returns one bounded
 * page; what it returns counts as delivered only when the page is settled as written.
 */
public final class PullDeliveries {

    /**
     * The JSON of one page. Transports escape the page once more inside their own framing (at most doubling it), so
     * this keeps a page well under the 8 MiB socket frame and any client's line limit.
     */
    public static final long PAGE_BYTES = 2L * 1024 * 1024;

    public static final int PAGE_ITEMS = 500;

    private final InboxRouter router;
    private final WakeSignal signal = new WakeSignal();

    public PullDeliveries(InboxRouter router) {
        this.router = router;
    }

    /** Routing stored or re-targeted something: waiting sessions look again. */
    public void wake() {
        signal.wake();
    }

    /** The session's next page of deliveries, waiting up to {@code timeout} for at least one. Empty on timeout. */
    public InboxRouter.Page await(String sessionId, Duration timeout, ToolCall.Progress progress)
            throws InterruptedException {
        return signal.await(
                timeout,
                progress::report,
                "Lark messages",
                () -> {
                    InboxRouter.Page page = router.takeFor(sessionId, PAGE_BYTES, PAGE_ITEMS);
                    return page.isEmpty() ? null : page;
                },
                InboxRouter.Page.EMPTY);
    }

    /** Settles a page that {@link #await} returned: delivered when written, else waiting again (and waiters told). */
    public void settle(String sessionId, InboxRouter.Page page, boolean written) {
        router.settle(sessionId, page.keys(), written);
        if (!written) {
            wake();
        }
    }
}
