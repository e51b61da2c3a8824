package dev.larkhandoff.emulator.openapi;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMention;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuReaction;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Lark's JSON shapes for stored objects (message object, chat, reaction), shared by routes and events. */
public final class Views {

    /** The placeholder body Lark shows for a merge_forward container. */
    public static final String MERGE_FORWARD_BODY = "Merged and Forwarded Message";

    private Views() {}

    /** The message object of REST answers: times are millisecond strings, content a JSON string. */
    public static ObjectNode message(EmuMessage m) {
        ObjectNode o = EmuJson.object();
        o.put("message_id", m.messageId());
        if (m.rootId() != null) {
            o.put("root_id", m.rootId());
        }
        if (m.parentId() != null) {
            o.put("parent_id", m.parentId());
        }
        if (m.threadId() != null) {
            o.put("thread_id", m.threadId());
        }
        o.put("msg_type", m.msgType());
        o.put("create_time", String.valueOf(m.createTime()));
        o.put("update_time", String.valueOf(m.updateTime()));
        o.put("deleted", m.deleted());
        o.put("updated", m.updated());
        o.put("chat_id", m.chatId());
        ObjectNode sender = o.putObject("sender");
        sender.put("id", m.sender().id());
        sender.put("id_type", m.sender().idType());
        sender.put("sender_type", m.sender().senderType());
        sender.put("tenant_key", m.sender().tenantKey());
        o.putObject("body").put("content", m.content());
        if (!m.mentions().isEmpty()) {
            ArrayNode mentions = o.putArray("mentions");
            for (EmuMention mention : m.mentions()) {
                ObjectNode x = mentions.addObject();
                x.put("key", mention.key());
                x.put("id", mention.openId());
                x.put("id_type", "open_id");
                x.put("name", mention.name());
                x.put("tenant_key", mention.tenantKey());
            }
        }
        if (m.upperMessageId() != null) {
            o.put("upper_message_id", m.upperMessageId());
        }
        return o;
    }

    public static ObjectNode reaction(EmuReaction r) {
        ObjectNode o = EmuJson.object();
        o.put("reaction_id", r.reactionId());
        ObjectNode operator = o.putObject("operator");
        operator.put("operator_id", r.operatorId());
        operator.put("operator_type", r.operatorType());
        o.put("action_time", String.valueOf(r.actionTime()));
        o.putObject("reaction_type").put("emoji_type", r.emojiType());
        return o;
    }

    /** Chat fields as {@code GET /im/v1/chats/:chat_id} returns them (no chat_id echoed, counts as strings). */
    public static ObjectNode chatInfo(EmuChat c) {
        ObjectNode o = EmuJson.object();
        o.put("avatar", c.avatar == null ? "" : c.avatar);
        o.put("name", c.name);
        o.put("description", c.description);
        o.put("owner_id", c.ownerId == null ? "" : c.ownerId);
        o.put("owner_id_type", c.ownerIdType == null ? "open_id" : c.ownerIdType);
        o.put("chat_mode", c.chatMode);
        o.put("chat_type", c.chatType);
        o.put("chat_tag", "inner");
        o.put("external", c.external);
        o.put("tenant_key", "");
        o.put("user_count", String.valueOf(c.members.size()));
        o.put("bot_count", String.valueOf(c.botAppIds.size()));
        o.put("chat_status", "normal");
        return o;
    }
}
