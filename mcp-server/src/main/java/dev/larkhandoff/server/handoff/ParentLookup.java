package dev.larkhandoff.server.handoff;

import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.im.Message;
import dev.larkhandoff.lark.im.MessageApi;
import dev.larkhandoff.server.workspace.LarkIds;
import dev.larkhandoff.store.chat.ChatRepository;
import dev.larkhandoff.store.chat.SentMessage;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Answers "what was this a reply to": first among the messages the bot sent (the store, no call to Lark), then
 * through Lark's read API, read by {@link MessageText}'s rules. Blocks on Lark: call it from a worker thread.
 */
public final class ParentLookup {

    private final ChatRepository chats;
    private final MessageApi messages;

    public ParentLookup(ChatRepository chats, MessageApi messages) {
        this.chats = Objects.requireNonNull(chats, "chats");
        this.messages = Objects.requireNonNull(messages, "messages");
    }

    /**
     * The message, or empty when neither the store nor Lark knows it (never sent, or recalled).
     *
     * @throws HandoffException {@code INVALID_ARGUMENT} for an id that cannot be a message id, {@code LARK_ERROR}
     *                          when Lark refuses for another reason (the bot is not in that chat, say)
     */
    public Optional<ParentMessage> find(String parentId) {
        LarkIds.messageId(parentId, "parent_id");
        Optional<SentMessage> local = chats.lookupParent(parentId);
        if (local.isPresent()
                && (hasText(local.get().text()) || hasText(local.get().title()))) {
            SentMessage m = local.get();
            return Optional.of(new ParentMessage(
                    m.messageId(),
                    ParentMessage.LOCAL,
                    null,
                    m.text() == null ? "" : m.text(),
                    m.title(),
                    null,
                    "app",
                    m.sentAt()));
        }
        Message m;
        try {
            m = messages.get(parentId).block();
        } catch (LarkException e) {
            if (e.code() == HandoffException.LARK_MESSAGE_NOT_FOUND || e.httpStatus() == 404 || e.code() == 0) {
                return Optional.empty();
            }
            throw HandoffException.lark("read message " + parentId, e);
        }
        if (m == null) {
            return Optional.empty();
        }
        String text = MessageText.of(m.msgType(), m.content()).text();
        // A parent is read for its meaning: a name says more than the placeholder key. Longer keys first, so
        // @_user_1 cannot eat the start of @_user_10.
        List<Message.Mention> byKeyLength = m.mentions().stream()
                .filter(x -> hasText(x.key()) && hasText(x.name()))
                .sorted(Comparator.comparingInt((Message.Mention x) -> x.key().length())
                        .reversed())
                .toList();
        for (Message.Mention mention : byKeyLength) {
            text = text.replace(mention.key(), "@" + mention.name());
        }
        Message.Sender sender = m.sender();
        return Optional.of(new ParentMessage(
                m.messageId(),
                ParentMessage.API,
                m.msgType(),
                text,
                null,
                sender == null ? null : sender.id(),
                sender == null ? null : sender.senderType(),
                m.createTime()));
    }

    private static boolean hasText(String s) {
        return s != null && !s.isBlank();
    }
}
