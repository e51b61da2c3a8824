package dev.larkhandoff.lark.event;

import dev.larkhandoff.lark.LarkJson;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/** Turns an event payload (schema 2.0 envelope, or the old 1.0 callback) into a typed {@link LarkEvent}. */
public final class EventDecoder {

    public static final String MESSAGE_RECEIVED = "im.message.receive_v1";
    public static final String REACTION_CREATED = "im.message.reaction.created_v1";
    public static final String BOT_ADDED = "im.chat.member.bot.added_v1";
    public static final String BOT_DELETED = "im.chat.member.bot.deleted_v1";
    public static final String CARD_ACTION = "card.action.trigger";

    private EventDecoder() {}

    /** @throws MalformedEventException naming what is wrong with the payload */
    public static LarkEvent decode(byte[] payload) {
        JsonNode root;
        try {
            root = LarkJson.read(payload);
        } catch (JacksonException e) {
            throw new MalformedEventException("event payload is not valid JSON: " + e.getOriginalMessage(), e);
        }
        return decode(root);
    }

    public static LarkEvent decode(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new MalformedEventException("event payload is not a JSON object");
        }
        EventHeader header = header(root);
        JsonNode event = root.path("event");
        if (!event.isObject()) {
            throw new MalformedEventException(
                    "event " + header.eventId() + " (" + header.eventType() + ") has no event object");
        }
        return switch (header.eventType()) {
            case MESSAGE_RECEIVED -> messageReceived(header, event, root);
            case REACTION_CREATED ->
                new ReactionCreated(
                        header,
                        required(event, "message_id", header),
                        nonNull(text(event.path("reaction_type"), "emoji_type")),
                        text(event, "operator_type"),
                        userId(event.path("user_id")),
                        text(event, "app_id"),
                        millis(event, "action_time"),
                        root);
            case BOT_ADDED, BOT_DELETED ->
                new BotMembershipChanged(
                        header,
                        BOT_ADDED.equals(header.eventType()),
                        required(event, "chat_id", header),
                        userId(event.path("operator_id")),
                        "true".equals(text(event, "external")),
                        text(event, "name"),
                        root);
            case CARD_ACTION -> cardAction(header, event, root);
            default -> new UnknownEvent(header, root);
        };
    }

    private static EventHeader header(JsonNode root) {
        if ("2.0".equals(text(root, "schema"))) {
            JsonNode h = root.path("header");
            String id = text(h, "event_id");
            String type = text(h, "event_type");
            if (id == null || id.isEmpty() || type == null || type.isEmpty()) {
                throw new MalformedEventException("schema 2.0 event lacks header.event_id or header.event_type");
            }
            return new EventHeader(
                    id, type, millis(h, "create_time"), text(h, "token"), text(h, "app_id"), text(h, "tenant_key"));
        }
        // The 1.0 callback format: {uuid, token, ts, type: "event_callback", event: {type, …}}.
        String uuid = text(root, "uuid");
        String type = text(root.path("event"), "type");
        if (uuid == null || type == null) {
            throw new MalformedEventException("event has neither a schema 2.0 header nor a 1.0 uuid and event.type");
        }
        double ts;
        try {
            ts = Double.parseDouble(nonNull(text(root, "ts")));
        } catch (NumberFormatException e) {
            ts = 0;
        }
        return new EventHeader(
                uuid,
                type,
                (long) (ts * 1000),
                text(root, "token"),
                text(root.path("event"), "app_id"),
                text(root.path("event"), "tenant_key"));
    }

    private static MessageReceived messageReceived(EventHeader header, JsonNode event, JsonNode root) {
        JsonNode s = event.path("sender");
        JsonNode m = event.path("message");
        String messageId = required(m, "message_id", header);
        String type = required(m, "message_type", header);
        String rawContent = nonNull(text(m, "content"));
        List<MessageReceived.Mention> mentions = new ArrayList<>();
        for (JsonNode x : m.path("mentions")) {
            mentions.add(new MessageReceived.Mention(
                    text(x, "key"), userId(x.path("id")), text(x, "name"), text(x, "tenant_key")));
        }
        MessageReceived.Received received = new MessageReceived.Received(
                messageId,
                text(m, "root_id"),
                text(m, "parent_id"),
                text(m, "thread_id"),
                millis(m, "create_time"),
                millis(m, "update_time"),
                required(m, "chat_id", header),
                text(m, "chat_type"),
                type,
                rawContent,
                ContentParser.parse(type, rawContent),
                mentions);
        return new MessageReceived(
                header,
                new MessageReceived.Sender(userId(s.path("sender_id")), text(s, "sender_type"), text(s, "tenant_key")),
                received,
                root);
    }

    private static CardAction cardAction(EventHeader header, JsonNode event, JsonNode root) {
        JsonNode op = event.path("operator");
        JsonNode a = event.path("action");
        JsonNode ctx = event.path("context");
        JsonNode checked = a.get("checked");
        Boolean isChecked = null;
        if (checked != null && checked.isBoolean()) {
            isChecked = checked.booleanValue();
        } else if (checked != null && checked.isString()) {
            isChecked = Boolean.valueOf(checked.stringValue());
        }
        JsonNode formValue = a.get("form_value");
        CardAction.Action action = new CardAction.Action(
                a.path("value"),
                text(a, "tag"),
                text(a, "option"),
                text(a, "name"),
                formValue == null || formValue.isNull() ? null : formValue,
                text(a, "input_value"),
                isChecked);
        return new CardAction(
                header,
                new CardAction.Operator(
                        text(op, "open_id"), text(op, "user_id"), text(op, "union_id"), text(op, "tenant_key")),
                text(event, "token"),
                action,
                text(event, "host"),
                new CardAction.Context(text(ctx, "open_message_id"), text(ctx, "open_chat_id")),
                root);
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }

    private static UserId userId(JsonNode id) {
        return new UserId(text(id, "open_id"), text(id, "union_id"), text(id, "user_id"));
    }

    /** A field as text whatever its JSON type (objects and arrays as JSON), null when absent. */
    static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        if (v == null || v.isNull() || v.isMissingNode()) {
            return null;
        }
        return v.isString() ? v.stringValue() : v.isValueNode() ? v.asString("") : v.toString();
    }

    private static String required(JsonNode node, String field, EventHeader header) {
        String v = text(node, field);
        if (v == null || v.isEmpty()) {
            throw new MalformedEventException(
                    "event " + header.eventId() + " (" + header.eventType() + ") lacks " + field);
        }
        return v;
    }

    /** Lark sends times as millisecond strings; tolerate numbers too. */
    private static long millis(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isValueNode()) {
            return 0;
        }
        if (v.isNumber()) {
            return v.longValue();
        }
        try {
            return Long.parseLong(v.asString("").trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
