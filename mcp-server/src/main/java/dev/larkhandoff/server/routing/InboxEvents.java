package dev.larkhandoff.server.routing;

import dev.larkhandoff.lark.LarkJson;
import dev.larkhandoff.lark.event.BotMembershipChanged;
import dev.larkhandoff.lark.event.CardAction;
import dev.larkhandoff.lark.event.LarkEvent;
import dev.larkhandoff.lark.event.MessageContent;
import dev.larkhandoff.lark.event.MessageReceived;
import dev.larkhandoff.lark.event.ReactionCreated;
import dev.larkhandoff.store.inbox.InboxEvent;

/** Turns a Lark event into the inbox row that stores it: the raw envelope plus what routing and history need. */
final class InboxEvents {

    private InboxEvents() {}

    static InboxEvent from(LarkEvent event) {
        String raw = LarkJson.write(event.raw());
        InboxEvent base = InboxEvent.of(event.eventId(), event.eventType(), raw);
        if (event instanceof MessageReceived m) {
            var msg = m.message();
            return base.withMessage(
                    msg.messageId(),
                    msg.chatId(),
                    msg.chatType(),
                    m.sender().senderId().openId(),
                    m.sender().senderType(),
                    msg.messageType(),
                    normalizedText(m),
                    msg.createTime());
        }
        if (event instanceof ReactionCreated r) {
            return base.withMessage(
                    r.messageId(),
                    null,
                    null,
                    r.userId() == null ? null : r.userId().openId(),
                    r.operatorType(),
                    "reaction",
                    r.emojiType(),
                    r.actionTime());
        }
        if (event instanceof CardAction c) {
            return base.withMessage(
                    c.context().openMessageId(),
                    c.context().openChatId(),
                    null,
                    c.operator().openId(),
                    "user",
                    "card_action",
                    c.action().value().toString(),
                    null);
        }
        if (event instanceof BotMembershipChanged b) {
            return base.withMessage(null, b.chatId(), null, b.operatorId().openId(), "user", null, b.name(), null);
        }
        return base;
    }

    /** What a person would read: mentions by name, a post as plain text, other types as a short tag. */
    static String normalizedText(MessageReceived m) {
        MessageContent content = m.message().content();
        String text;
        if (content instanceof MessageContent.Text t) {
            text = t.text();
            for (var mention : m.message().mentions()) {
                if (mention.key() != null && mention.name() != null) {
                    text = text.replace(mention.key(), "@" + mention.name());
                }
            }
        } else if (content instanceof MessageContent.Post p) {
            text = (p.title() == null || p.title().isEmpty() ? "" : p.title() + "\n") + p.plainText();
        } else if (content instanceof MessageContent.File f) {
            text = "[file] " + (f.fileName() == null ? "" : f.fileName());
        } else if (content instanceof MessageContent.Media v) {
            text = "[video] " + (v.fileName() == null ? "" : v.fileName());
        } else {
            text = "[" + m.message().messageType() + "]";
        }
        return text.strip();
    }
}
