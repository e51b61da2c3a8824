package dev.larkhandoff.server.handoff;

import dev.larkhandoff.server.ServerJson;
import tools.jackson.databind.node.ObjectNode;

/**
 * The message a reply answers, as the agent reads it.
 *
 * @param source     {@code local} when found among the messages the bot sent, {@code api} when Lark was asked
 * @param msgType    null when only the store knew it (it records what the bot said, not how)
 * @param title      the card title the bot gave it; null when none
 * @param createTime milliseconds since the epoch
 */
public record ParentMessage(
        String messageId,
        String source,
        String msgType,
        String text,
        String title,
        String senderId,
        String senderType,
        long createTime) {

    public static final String LOCAL = "local";
    public static final String API = "api";

    /** {@code {found: true, source, message_id, msg_type, text, title, sender_id, sender_type, create_time}}, empty fields left out. */
    public ObjectNode toJson() {
        ObjectNode o = ServerJson.mapper().createObjectNode();
        o.put("found", true);
        o.put("source", source);
        o.put("message_id", messageId);
        optional(o, "msg_type", msgType);
        o.put("text", text == null ? "" : text);
        optional(o, "title", title);
        optional(o, "sender_id", senderId);
        optional(o, "sender_type", senderType);
        o.put("create_time", String.valueOf(createTime));
        return o;
    }

    private static void optional(ObjectNode o, String field, String value) {
        if (value != null && !value.isEmpty()) {
            o.put(field, value);
        }
    }
}
