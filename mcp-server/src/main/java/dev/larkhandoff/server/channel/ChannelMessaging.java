package dev.larkhandoff.server.channel;

import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.card.CardDelivery;
import dev.larkhandoff.lark.card.CardSender;
import dev.larkhandoff.lark.im.Message;
import dev.larkhandoff.lark.im.MessageApi;
import dev.larkhandoff.lark.im.Reaction;
import dev.larkhandoff.store.chat.ChatRepository;
import dev.larkhandoff.store.chat.SentMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the agent says in the channel: replies rendered from Markdown into cards, reactions, and edits of a card
 * the bot sent. Every message sent or edited is recorded in the store, so later features recognise the bot's own
 * messages and can answer "what was this a reply to". Blocks the calling thread on Lark: call it from a worker
 * thread, never from a Netty event loop.
 */
public final class ChannelMessaging {

    /** The {@code sent_messages.kind} of replies. */
    public static final String KIND = "message";

    private static final Logger log = LoggerFactory.getLogger(ChannelMessaging.class);

    private final MessageApi messages;
    private final CardSender cards;
    private final ChatRepository chats;

    public ChannelMessaging(MessageApi messages, ChatRepository chats) {
        this.messages = Objects.requireNonNull(messages, "messages");
        this.cards = new CardSender(messages);
        this.chats = Objects.requireNonNull(chats, "chats");
    }

    /** {@link #reply(String, String, String, String)} for no particular session. */
    public ReplySent reply(String chatId, String markdown, String messageId) {
        return reply(chatId, markdown, messageId, null);
    }

    /**
     * Sends Markdown as one or more cards, in order. With {@code messageId} each card is a reply to that message,
     * so it lands in that message's chat and topic, whatever {@code chatId} says; without, the cards are posted to
     * {@code chatId}.
     *
     * @param messageId the message being answered, or null for a post of the agent's own
     * @param sessionId the session that speaks, recorded with each message; may be null
     * @return the chat the reply landed in and its messages
     * @throws LarkException             when Lark refuses the first card
     * @throws ReplyIncompleteException  when Lark refuses a later card (the earlier ones stay sent)
     * @throws IllegalArgumentException  when the text is empty, or neither a chat nor a message is named
     */
    public ReplySent reply(String chatId, String markdown, String messageId, String sessionId) {
        if (blank(messageId) && blank(chatId)) {
            throw new IllegalArgumentException("a reply needs a chat_id or a message_id");
        }
        List<ReplyCard> rendered = ReplyCards.render(markdown);
        List<String> sent = new ArrayList<>();
        String landedIn = null;
        for (ReplyCard card : rendered) {
            Message message;
            try {
                message = deliver(chatId, messageId, card).message();
            } catch (LarkException e) {
                if (sent.isEmpty()) {
                    throw e;
                }
                throw new ReplyIncompleteException(sent, rendered.size(), e);
            }
            if (landedIn == null) {
                landedIn = blank(message.chatId()) ? chatId : message.chatId();
            }
            record(new SentMessage(
                    message.messageId(), landedIn, sessionId, KIND, null, card.markdown(), message.createTime()));
            sent.add(message.messageId());
        }
        return new ReplySent(landedIn, sent);
    }

    private CardDelivery deliver(String chatId, String messageId, ReplyCard card) {
        // Not in a new thread: a reply inherits the topic of the message it answers, or stays in the timeline.
        return blank(messageId)
                ? cards.sendToChat(chatId, card.json()).block()
                : cards.reply(messageId, card.json(), false, null).block();
    }

    /** Adds an emoji reaction ({@code emojiType} as Lark names it, e.g. THUMBSUP) to a message. */
    public Reaction react(String messageId, String emojiType) {
        return messages.addReaction(messageId, emojiType).block();
    }

    /**
     * Replaces the content of a card the bot sent with this Markdown.
     *
     * @throws IllegalArgumentException when the text needs more than one card
     * @throws LarkException            when Lark refuses the patch, for instance because the message is not a card
     *                                  (lark-client has no call to edit a text message, so there is no fallback)
     */
    public void edit(String messageId, String markdown) {
        ReplyCard card = ReplyCards.renderOne(markdown);
        messages.patchCard(messageId, card.json()).block();
        try {
            chats.lookupParent(messageId)
                    .ifPresent(before -> record(new SentMessage(
                            messageId,
                            before.chatId(),
                            before.sessionId(),
                            before.kind(),
                            before.title(),
                            card.markdown(),
                            before.sentAt())));
        } catch (RuntimeException e) {
            log.warn("could not look up edited message {} in the store: {}", messageId, e.toString());
        }
    }

    private void record(SentMessage message) {
        try {
            chats.recordSent(message);
        } catch (RuntimeException e) {
            // The message is out; failing the call now would only make the agent send it twice.
            log.warn("sent {} but could not record it in the store: {}", message.messageId(), e.toString());
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
