package dev.larkhandoff.server.handoff;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.store.inbox.InboxEvent;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A message one handoff session relays to another handoff group. It is stored in the target chat's inbox like an
 * event from Lark, so it is ordered, delivered, replayed and kept exactly like one; senders' filters always let it
 * through.
 *
 * @param createTime milliseconds since the epoch, when it was relayed
 */
public record Relay(String text, String fromChatId, String fromChatName, String fromWorkspace, long createTime) {

    /** The inbox {@code event_type} of relays (no Lark event has this type). */
    public static final String EVENT_TYPE = "lark_handoff.relay";

    public Relay {
        Objects.requireNonNull(text, "text");
    }

    /** The inbox row that delivers this relay to {@code toChatId}; each call is a new relay with its own key. */
    public InboxEvent toInboxEvent(String toChatId) {
        ObjectNode payload = ServerJson.mapper()
                .createObjectNode()
                .put("to_chat_id", toChatId)
                .put("text", text)
                .put("from_chat_id", fromChatId)
                .put("from_chat_name", fromChatName)
                .put("from_workspace", fromWorkspace)
                .put("create_time", String.valueOf(createTime));
        return InboxEvent.of(
                        "relay_" + UUID.randomUUID(),
                        EVENT_TYPE,
                        ServerJson.mapper().writeValueAsString(payload))
                .withMessage(null, toChatId, null, null, HandoffReply.RELAY, HandoffReply.RELAY, text, createTime);
    }

    /** The reply the target session sees: a relay reply, with no sender and no message id. */
    public HandoffReply reply() {
        return new HandoffReply(
                text,
                HandoffReply.RELAY,
                "",
                null,
                List.of(),
                "",
                HandoffReply.RELAY,
                null,
                null,
                null,
                null,
                createTime,
                null,
                fromChatId,
                fromChatName,
                fromWorkspace);
    }

    static Relay fromPayload(JsonNode payload) {
        long time;
        try {
            time = Long.parseLong(MessageText.str(payload, "create_time"));
        } catch (NumberFormatException e) {
            time = 0;
        }
        return new Relay(
                MessageText.str(payload, "text"),
                MessageText.str(payload, "from_chat_id"),
                MessageText.str(payload, "from_chat_name"),
                MessageText.str(payload, "from_workspace"),
                time);
    }
}
