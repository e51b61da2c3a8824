package dev.larkhandoff.emulator.control;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.Ids;
import dev.larkhandoff.emulator.model.EmuApp;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMention;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuUser;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Builds schema 2.0 event envelopes exactly as the platform pushes them. */
final class EventFactory {

    private EventFactory() {}

    static ObjectNode envelope(EmuApp app, String eventType, long createTime) {
        ObjectNode root = EmuJson.object();
        root.put("schema", "2.0");
        ObjectNode header = root.putObject("header");
        header.put("event_id", Ids.eventId());
        header.put("event_type", eventType);
        header.put("create_time", String.valueOf(createTime));
        header.put("token", app.verificationToken());
        header.put("app_id", app.appId());
        header.put("tenant_key", app.tenantKey());
        return root;
    }

    static ObjectNode userId(EmuUser user) {
        ObjectNode id = EmuJson.object();
        id.put("open_id", user.openId());
        id.put("union_id", user.unionId());
        id.put("user_id", user.userId());
        return id;
    }

    static ObjectNode messageReceived(EmuApp app, EmuUser sender, EmuMessage m) {
        ObjectNode root = envelope(app, "im.message.receive_v1", m.createTime());
        ObjectNode event = root.putObject("event");
        ObjectNode s = event.putObject("sender");
        s.set("sender_id", userId(sender));
        s.put("sender_type", "user");
        s.put("tenant_key", sender.tenantKey());
        ObjectNode msg = event.putObject("message");
        msg.put("message_id", m.messageId());
        if (m.rootId() != null) {
            msg.put("root_id", m.rootId());
        }
        if (m.parentId() != null) {
            msg.put("parent_id", m.parentId());
        }
        if (m.threadId() != null) {
            msg.put("thread_id", m.threadId());
        }
        msg.put("create_time", String.valueOf(m.createTime()));
        msg.put("update_time", String.valueOf(m.updateTime()));
        msg.put("chat_id", m.chatId());
        msg.put("chat_type", m.chatType());
        msg.put("message_type", m.msgType());
        msg.put("content", m.content());
        if (!m.mentions().isEmpty()) {
            ArrayNode mentions = msg.putArray("mentions");
            for (EmuMention x : m.mentions()) {
                ObjectNode o = mentions.addObject();
                o.put("key", x.key());
                ObjectNode id = o.putObject("id");
                id.put("open_id", x.openId());
                id.put("union_id", x.unionId() == null ? "" : x.unionId());
                id.put("user_id", x.userId() == null ? "" : x.userId());
                o.put("name", x.name());
                o.put("tenant_key", x.tenantKey());
            }
        }
        msg.putObject("user_agent");
        return root;
    }

    static ObjectNode reactionCreated(EmuApp app, EmuUser user, String messageId, String emoji, long time) {
        ObjectNode root = envelope(app, "im.message.reaction.created_v1", time);
        ObjectNode event = root.putObject("event");
        event.put("message_id", messageId);
        event.putObject("reaction_type").put("emoji_type", emoji);
        event.put("operator_type", "user");
        event.set("user_id", userId(user));
        event.put("action_time", String.valueOf(time));
        return root;
    }

    static ObjectNode botMembership(EmuApp app, EmuUser operator, EmuChat chat, boolean added, long time) {
        ObjectNode root = envelope(app, added ? "im.chat.member.bot.added_v1" : "im.chat.member.bot.deleted_v1", time);
        ObjectNode event = root.putObject("event");
        event.put("chat_id", chat.chatId);
        event.set("operator_id", userId(operator));
        event.put("external", chat.external);
        event.put("operator_tenant_key", operator.tenantKey());
        event.put("name", chat.name);
        ObjectNode names = event.putObject("i18n_names");
        names.put("zh_cn", chat.name);
        names.put("en_us", chat.name);
        names.put("ja_jp", chat.name);
        return root;
    }

    static ObjectNode cardAction(EmuApp app, EmuUser operator, EmuMessage card, ObjectNode action, long time) {
        ObjectNode root = envelope(app, "card.action.trigger", time);
        ObjectNode event = root.putObject("event");
        ObjectNode op = event.putObject("operator");
        op.put("tenant_key", operator.tenantKey());
        op.put("user_id", operator.userId());
        op.put("open_id", operator.openId());
        op.put("union_id", operator.unionId());
        event.put("token", Ids.cardToken());
        event.set("action", action);
        event.put("host", "im_message");
        ObjectNode context = event.putObject("context");
        context.put("open_message_id", card.messageId());
        context.put("open_chat_id", card.chatId());
        return root;
    }
}
