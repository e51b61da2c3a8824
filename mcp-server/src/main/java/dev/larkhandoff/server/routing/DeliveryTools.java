package dev.larkhandoff.server.routing;

import dev.larkhandoff.server.tool.ToolCall;
import dev.larkhandoff.server.tool.ToolSpec;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.session.Delivery;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code wait_for_reply}: how a session in a handoff takes the replies of its group, and how a pull-mode session
 * takes the Lark messages routed to it.
 */
public final class DeliveryTools {

    /** The handoff loop's wait, for a caller that holds a handoff chat; empty when it holds none. */
    @FunctionalInterface
    public interface HandoffWait {
        HandoffWait NONE = (call, timeout) -> java.util.Optional.empty();

        java.util.Optional<ToolResult> waitIfBound(ToolCall call, Duration timeout);
    }


    public static final String WAIT_FOR_REPLY = "wait_for_reply";
    static final int DEFAULT_TIMEOUT_SECONDS = 60;
    static final int MAX_TIMEOUT_SECONDS = 3_600;

    private DeliveryTools() {
    }

    public static ToolCatalog of(PullDeliveries deliveries) {
        return of(deliveries, HandoffWait.NONE, DEFAULT_TIMEOUT_SECONDS);
    }

    /** @param handoffDefaultSeconds the wait's default in a handoff, where the agent has nothing else to do */
    public static ToolCatalog of(PullDeliveries deliveries, HandoffWait handoff, int handoffDefaultSeconds) {
        return ToolCatalog.builder()
                .add(new ToolSpec(WAIT_FOR_REPLY, "In a handoff (after handoff_start): wait for the user's replies "
                        + "in the Lark group, returned as {\"replies\": [{text, msg_type, message_id, parent_id, "
                        + "mentions, sender_id, sender_type, privilege, image_key, file_key, file_name, create_time, "
                        + "target_message_id}], \"count\"}, {\"timeout\": true} (call it again, silently) or "
                        + "{\"takeover\": true} (another session took the group: stop quietly); answer with "
                        + "send_and_wait (replies not answered yet are returned again). Otherwise, for pull-mode sessions (HTTP clients, LARK_HANDOFF_DELIVERY=pull): "
                        + "the Lark messages routed to this session, oldest first, as {\"replies\": [{\"content\", "
                        + "\"meta\": {kind, chat_id, message_id, chat_type, sender_id, privilege}}], \"count\"}, or "
                        + "{\"timeout\": true}; answer them with `reply`. Returns at once if replies are waiting; at most about 2 "
                        + "MiB at a time, with \"more\": true when more are waiting (call again at once).",
                        ToolSpec.objectSchema(Map.of("timeout_seconds", Map.of("type", "integer", "minimum", 0,
                                "maximum", MAX_TIMEOUT_SECONDS, "description", "How long to wait (default "
                                        + handoffDefaultSeconds + " in a handoff, " + DEFAULT_TIMEOUT_SECONDS
                                        + " otherwise; 0 = just look).")), List.of())),
                        call -> waitForReply(deliveries, handoff, handoffDefaultSeconds, call))
                .build();
    }

    private static ToolResult waitForReply(PullDeliveries deliveries, HandoffWait handoff, int handoffDefaultSeconds,
            ToolCall call) {
        if (call.callerSessionId() == null) {
            return ToolResult.error("channel proxy is not registered");
        }
        Object raw = call.arguments().get("timeout_seconds");
        long seconds = DEFAULT_TIMEOUT_SECONDS;
        if (raw != null) {
            if (!(raw instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() > MAX_TIMEOUT_SECONDS) {
                return ToolResult.error("timeout_seconds must be a number from 0 to " + MAX_TIMEOUT_SECONDS
                        + ", got: " + raw);
            }
            seconds = n.longValue();
        }
        var inHandoff = handoff.waitIfBound(call, Duration.ofSeconds(raw == null ? handoffDefaultSeconds : seconds));
        if (inHandoff.isPresent()) {
            return inHandoff.get();
        }
        try {
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ToolResult.error("wait_for_reply was interrupted (the daemon is shutting down); call it again");
        }
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
