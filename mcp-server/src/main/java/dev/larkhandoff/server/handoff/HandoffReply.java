package dev.larkhandoff.server.handoff;

import dev.larkhandoff.lark.event.CardAction;
import dev.larkhandoff.lark.event.EventDecoder;
import dev.larkhandoff.lark.event.LarkEvent;
import dev.larkhandoff.lark.event.MalformedEventException;
import dev.larkhandoff.lark.event.MessageReceived;
import dev.larkhandoff.lark.event.ReactionCreated;
import dev.larkhandoff.lark.im.Message;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.store.inbox.InboxEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One thing a person did in a handoff chat, as the agent's wait returns it: a message of
 * any type, a reaction, a card button or form, or a relay from another handoff group. {@link #toJson()} writes
 * these fields: {@code text}, {@code msg_type}, {@code message_id}, {@code sender_id}, {@code sender_type} and
 * {@code create_time} (a millisecond string) always; the other fields only when they have a value.
 *
 * @param messageId       "" for reactions, card actions and relays, which are not messages
 * @param imageKey        comma-joined when a post holds several images
 * @param privilege       set by {@link ReplyFilters}; null until then, and for relays
 * @param targetMessageId the message reacted to, or the card acted on
 */
public record HandoffReply(
        String text,
        String msgType,
        String messageId,
        String parentId,
        List<Mention> mentions,
        String senderId,
        String senderType,
        Privilege privilege,
        String imageKey,
        String fileKey,
        String fileName,
        long createTime,
        String targetMessageId,
        String fromChatId,
        String fromChatName,
        String fromWorkspace) {

    public static final String REACTION = "reaction";
    public static final String STICKER = "sticker";
    public static final String RELAY = "relay";
    public static final String BUTTON_ACTION = "button_action";
    public static final String FORM_ACTION = "form_action";
    public static final String SELECT_ACTION = "select_action";
    public static final String INPUT_ACTION = "input_action";
    /** The Stop button of the working card: it raises the stop flag and is never a reply of its own. */
    public static final String STOP_SIGNAL = "stop_signal";
    /** The action value of a form's Cancel button, which arrives as a {@code button_action} with this text. */
    public static final String CANCEL = "__cancel__";

    static final String STOP = "__stop__";

    /** An @-mention: the key standing in the text ({@code @_user_1}), and the open_id and name it stands for. */
    public record Mention(String key, String id, String name) {}

    public HandoffReply {
        text = text == null ? "" : text;
        msgType = msgType == null ? "" : msgType;
        messageId = messageId == null ? "" : messageId;
        mentions = mentions == null ? List.of() : List.copyOf(mentions);
        senderId = senderId == null ? "" : senderId;
        senderType = senderType == null ? "" : senderType;
    }

    /**
     * The reply a stored inbox event stands for; empty for events that are not one (the bot joining a chat, an
     * event type this program does not know).
     *
     * @throws HandoffException ({@code UNREADABLE}) when the stored payload cannot be read
     */
    public static Optional<HandoffReply> fromInbox(InboxEvent event) {
        JsonNode raw;
        try {
            raw = ServerJson.mapper().readTree(event.rawPayload());
        } catch (JacksonException e) {
            throw unreadable(event, e.getOriginalMessage(), e);
        }
        if (Relay.EVENT_TYPE.equals(event.eventType())) {
            return Optional.of(Relay.fromPayload(raw).reply());
        }
        try {
            return fromEvent(EventDecoder.decode(raw));
        } catch (MalformedEventException e) {
            throw unreadable(event, e.getMessage(), e);
        }
    }

    private static HandoffException unreadable(InboxEvent event, String why, Exception cause) {
        return new HandoffException(
                HandoffException.Problem.UNREADABLE,
                "stored event " + event.dedupeKey() + " (" + event.eventType() + ") cannot be read: " + why,
                cause);
    }

    /** The reply a Lark event stands for; empty for events that are not one. */
    public static Optional<HandoffReply> fromEvent(LarkEvent event) {
        if (event instanceof MessageReceived m) {
            return Optional.of(message(m));
        }
        if (event instanceof ReactionCreated r) {
            return Optional.of(reaction(r));
        }
        if (event instanceof CardAction c) {
            return Optional.of(cardAction(c));
        }
        return Optional.empty();
    }

    /** A message as Lark's read API returns it (a parent, a merge_forward's child). */
    public static HandoffReply fromMessage(Message m) {
        MessageText read = MessageText.of(m.msgType(), m.content());
        List<Mention> mentions = new ArrayList<>();
        for (Message.Mention x : m.mentions()) {
            mentions.add(new Mention(x.key(), x.id(), x.name()));
        }
        Message.Sender sender = m.sender();
        return new HandoffReply(
                read.text(),
                m.msgType(),
                m.messageId(),
                m.parentId(),
                mentions,
                sender == null ? "" : sender.id(),
                sender == null ? "" : sender.senderType(),
                null,
                read.imageKey(),
                read.fileKey(),
                read.fileName(),
                m.createTime(),
                null,
                null,
                null,
                null);
    }

    private static HandoffReply message(MessageReceived m) {
        MessageReceived.Received msg = m.message();
        MessageText read = MessageText.of(msg.messageType(), msg.rawContent());
        List<Mention> mentions = new ArrayList<>();
        for (MessageReceived.Mention x : msg.mentions()) {
            mentions.add(new Mention(x.key(), x.id() == null ? null : x.id().openId(), x.name()));
        }
        MessageReceived.Sender sender = m.sender();
        String senderId = sender == null || sender.senderId() == null
                ? ""
                : sender.senderId().openId();
        return new HandoffReply(
                read.text(),
                msg.messageType(),
                msg.messageId(),
                msg.parentId(),
                mentions,
                senderId,
                sender == null ? "" : sender.senderType(),
                null,
                read.imageKey(),
                read.fileKey(),
                read.fileName(),
                msg.createTime(),
                null,
                null,
                null,
                null);
    }

    private static HandoffReply reaction(ReactionCreated r) {
        String type = r.operatorType() == null || r.operatorType().isEmpty() ? "user" : r.operatorType();
        String senderId =
                r.userId() != null && r.userId().openId() != null ? r.userId().openId() : r.appId();
        return new HandoffReply(
                r.emojiType(),
                REACTION,
                "",
                null,
                List.of(),
                senderId,
                type,
                null,
                null,
                null,
                null,
                r.actionTime(),
                r.messageId(),
                null,
                null,
                null);
    }

    /**
     * How a card callback reads, first match wins: a submitted form (one field: its value; several:
     * the JSON of all), a select, an input, else the button's {@code action} value ({@code __cancel__} included).
     */
    private static HandoffReply cardAction(CardAction c) {
        CardAction.Action a = c.action();
        String text;
        String type;
        if (a.formValue() != null && a.formValue().isObject() && !a.formValue().isEmpty()) {
            type = FORM_ACTION;
            JsonNode form = a.formValue();
            JsonNode only = form.size() == 1 ? form.values().iterator().next() : null;
            text = only != null && only.isString()
                    ? only.stringValue()
                    : ServerJson.mapper().writeValueAsString(only != null ? only : form);
        } else if (a.option() != null) {
            type = SELECT_ACTION;
            text = a.option();
        } else if (a.inputValue() != null) {
            type = INPUT_ACTION;
            text = a.inputValue();
        } else {
            text = MessageText.str(a.value(), "action");
            type = STOP.equals(text) ? STOP_SIGNAL : BUTTON_ACTION;
        }
        String operator = c.operator() == null ? "" : c.operator().openId();
        String card = c.context() == null ? null : c.context().openMessageId();
        return new HandoffReply(
                text,
                type,
                "",
                null,
                List.of(),
                operator,
                "user",
                null,
                null,
                null,
                null,
                c.header().createTime(),
                card,
                null,
                null,
                null);
    }

    /** A copy tagged with the sender's privilege. */
    public HandoffReply withPrivilege(Privilege newPrivilege) {
        return new HandoffReply(
                text,
                msgType,
                messageId,
                parentId,
                mentions,
                senderId,
                senderType,
                newPrivilege,
                imageKey,
                fileKey,
                fileName,
                createTime,
                targetMessageId,
                fromChatId,
                fromChatName,
                fromWorkspace);
    }

    /** A copy with other text (mention keys stripped, say). */
    public HandoffReply withText(String newText) {
        return new HandoffReply(
                newText,
                msgType,
                messageId,
                parentId,
                mentions,
                senderId,
                senderType,
                privilege,
                imageKey,
                fileKey,
                fileName,
                createTime,
                targetMessageId,
                fromChatId,
                fromChatName,
                fromWorkspace);
    }

    /** Whether the message @-mentions this open_id. */
    public boolean mentions(String openId) {
        return openId != null && !openId.isBlank() && mentions.stream().anyMatch(m -> openId.equals(m.id()));
    }

    /** The reply object the agent receives: fields in this order, empty optional ones left out. */
    public ObjectNode toJson() {
        ObjectNode o = ServerJson.mapper().createObjectNode();
        o.put("text", text);
        o.put("msg_type", msgType);
        o.put("message_id", messageId);
        optional(o, "parent_id", parentId);
        if (!mentions.isEmpty()) {
            ArrayNode list = o.putArray("mentions");
            for (Mention m : mentions) {
                ObjectNode x = list.addObject();
                x.put("key", m.key() == null ? "" : m.key());
                x.put("id", m.id() == null ? "" : m.id());
                x.put("name", m.name() == null ? "" : m.name());
            }
        }
        o.put("sender_id", senderId);
        o.put("sender_type", senderType);
        optional(o, "privilege", privilege == null ? null : privilege.wire());
        optional(o, "image_key", imageKey);
        optional(o, "file_key", fileKey);
        optional(o, "file_name", fileName);
        o.put("create_time", String.valueOf(createTime));
        optional(o, "target_message_id", targetMessageId);
        optional(o, "from_chat_id", fromChatId);
        optional(o, "from_chat_name", fromChatName);
        optional(o, "from_workspace", fromWorkspace);
        return o;
    }

    private static void optional(ObjectNode o, String field, String value) {
        if (value != null && !value.isEmpty()) {
            o.put(field, value);
        }
    }
}
