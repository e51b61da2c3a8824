package dev.larkhandoff.server.routing;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.session.Delivery;
import dev.larkhandoff.server.tool.ToolCall;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolSchema;
import dev.larkhandoff.server.tool.ToolSpec;
import java.time.Duration;
import java.util.Optional;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code wait_for_reply}: how a session in a handoff takes the replies of its group, and how a pull-mode session
 * takes the Lark messages routed to it. Declared as a spec plus one handler; failures are answered by
 * {@link ToolCatalog}.
 */
public final class DeliveryTools {

    /** The handoff loop's wait, for a caller that holds a handoff chat: its answer, or empty when it holds none. */
    @FunctionalInterface
    public interface HandoffWait {
        HandoffWait NONE = (call, timeout) -> Optional.empty();

        Optional<String> waitIfBound(ToolCall call, Duration timeout) throws InterruptedException;
    }

    public static final String WAIT_FOR_REPLY = "wait_for_reply";
    static final int DEFAULT_TIMEOUT_SECONDS = 60;
    static final int MAX_TIMEOUT_SECONDS = 3_600;

    private DeliveryTools() {}

    public static ToolCatalog of(PullDeliveries deliveries) {
        return of(deliveries, HandoffWait.NONE, DEFAULT_TIMEOUT_SECONDS);
    }

    /** @param handoffDefaultSeconds the wait's default in a handoff, where the agent has nothing else to do */
    public static ToolCatalog of(PullDeliveries deliveries, HandoffWait handoff, int handoffDefaultSeconds) {
        return ToolCatalog.builder()
                .add(
                        new ToolSpec(
                                WAIT_FOR_REPLY,
                                "In a handoff (after handoff_start): wait for the user's replies "
                                        + "in the Lark group, returned as {\"replies\": [{text, msg_type, message_id, parent_id, "
                                        + "mentions, sender_id, sender_type, privilege, image_key, file_key, file_name, create_time, "
                                        + "target_message_id}], \"count\"}, {\"timeout\": true} (call it again, silently) or "
                                        + "{\"takeover\": true} (another session took the group: stop quietly); answer with "
                                        + "send_and_wait (replies not answered yet are returned again). Otherwise, for pull-mode "
                                        + "sessions (HTTP clients, LARK_HANDOFF_DELIVERY=pull): "
                                        + "the Lark messages routed to this session, oldest first, as {\"replies\": [{\"content\", "
                                        + "\"meta\": {kind, chat_id, message_id, chat_type, sender_id, privilege}}], \"count\"}, or "
                                        + "{\"timeout\": true}; answer them with `reply`. Returns at once if replies are waiting; at "
                                        + "most about 2 MiB at a time, with \"more\": true when more are waiting (call again at once).",
                                ToolSchema.object()
                                        .optional(
                                                "timeout_seconds",
                                                ToolSchema.integer(
                                                        0,
                                                        MAX_TIMEOUT_SECONDS,
                                                        "How long to wait (default " + handoffDefaultSeconds
                                                                + " in a handoff, " + DEFAULT_TIMEOUT_SECONDS
                                                                + " otherwise; 0 = just look)."))
                                        .build()),
                        call -> waitForReply(deliveries, handoff, handoffDefaultSeconds, call))
                .build();
    }

    private static ToolResult waitForReply(
            PullDeliveries deliveries, HandoffWait handoff, int handoffDefaultSeconds, ToolCall call)
            throws InterruptedException {
        if (call.callerSessionId() == null) {
            return ToolResult.error("channel proxy is not registered");
        }
        Integer given = call.args().optionalInteger("timeout_seconds", 0, MAX_TIMEOUT_SECONDS);
        int seconds = given == null ? DEFAULT_TIMEOUT_SECONDS : given;
        Optional<String> inHandoff =
                handoff.waitIfBound(call, Duration.ofSeconds(given == null ? handoffDefaultSeconds : seconds));
        if (inHandoff.isPresent()) {
            return ToolResult.ok(inHandoff.get());
        }
        var page = deliveries.await(call.callerSessionId(), Duration.ofSeconds(seconds), call.progress());
        ObjectNode out = ServerJson.mapper().createObjectNode();
        if (page.isEmpty()) {
            return ToolResult.ok(out.put("timeout", true).toString());
        }
        ArrayNode list = out.putArray("replies");
        page.deliveries().forEach(d -> list.add(reply(d)));
        out.put("count", page.deliveries().size());
        if (page.more()) {
            out.put("more", true);
        }
        String session = call.callerSessionId();
        return ToolResult.ok(out.toString()).withReceipt(new ToolResult.Receipt() {
            @Override
            public void written() {
                deliveries.settle(session, page, true);
            }

            @Override
            public void dropped() {
                deliveries.settle(session, page, false);
            }
        });
    }

    /** One entry of {@code replies}: the event id the agent may cite, the text, and the channel tag's attributes. */
    static ObjectNode reply(Delivery d) {
        ObjectNode r = ServerJson.mapper().createObjectNode();
        r.put("event_id", d.eventId());
        r.put("content", d.content());
        ObjectNode meta = r.putObject("meta");
        d.meta().forEach(meta::put);
        return r;
    }
}
