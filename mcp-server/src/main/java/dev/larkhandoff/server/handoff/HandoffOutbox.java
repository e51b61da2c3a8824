package dev.larkhandoff.server.handoff;

import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.card.CardDelivery;
import dev.larkhandoff.lark.card.CardSender;
import dev.larkhandoff.lark.card.WorkingCard;
import dev.larkhandoff.lark.im.MessageApi;
import dev.larkhandoff.lark.im.Reaction;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.channel.CardBytes;
import dev.larkhandoff.store.SettingsRepository;
import dev.larkhandoff.store.chat.ChatRepository;
import dev.larkhandoff.store.chat.SentMessage;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Everything the agent posts to its handoff chat goes through here, so every post does the same: with a
 * message, the THINKING reaction on the last reply is taken off and a running working card turns into "Done" (just
 * after the message, so Lark's pacing of calls does not hold the answer back);
 * every card sent is recorded (so replies to it and its own echoes are recognised) and cards over Lark's size are
 * refused before anything is sent. The reaction and the working card are remembered in the store, so a restarted
 * daemon still cleans them up.
 */
public final class HandoffOutbox {

    private static final Logger log = LoggerFactory.getLogger(HandoffOutbox.class);
    /** The reaction that acknowledges a reply reached the agent. */
    public static final String THINKING = "THINKING";

    static final String WORKING_KIND = "working";
    private static final Set<String> NO_THINKING_ON =
            Set.of(HandoffReply.REACTION, HandoffReply.STICKER, HandoffReply.RELAY);
    private static final String THINKING_KEY = "handoff.thinking:";
    private static final String WORKING_KEY = "handoff.working:";
    private static final Duration LARK_TIMEOUT = Duration.ofSeconds(30);

    /** A message the bot posted. */
    public record Sent(String messageId, String chatId) {}

    private final MessageApi messages;
    private final CardSender cards;
    private final ChatRepository chats;
    private final SettingsRepository settings;
    private final StopFlags stopFlags;
    private final Clock clock;

    public HandoffOutbox(
            MessageApi messages, ChatRepository chats, SettingsRepository settings, StopFlags stopFlags, Clock clock) {
        this.messages = messages;
        this.cards = new CardSender(messages);
        this.chats = chats;
        this.settings = settings;
        this.stopFlags = stopFlags;
        this.clock = clock;
    }

    /**
     * The agent answers: the card is sent, then the reply's THINKING reaction goes and the working card becomes
     * "Done", and the stop flag is cleared. The two clean-ups run in the background after the card: Lark paces an
     * app's calls, and waiting for them first would hold every answer back by tens of milliseconds.
     *
     * @param kind  what the card is, recorded with it ({@code message}, {@code question}, {@code status} …)
     * @param title its title for the record, may be null
     * @param text  its text for the record (parent lookups answer with it)
     */
    public Sent post(String chatId, String sessionId, JsonNode card, String kind, String title, String text) {
        requireFits(card);
        Sent sent = send(chatId, sessionId, card, kind, title, text);
        stopFlags.clear(chatId);
        thinkingRemoval(chatId).ifPresent(HandoffOutbox::inBackground);
        workingDone(chatId).ifPresent(HandoffOutbox::inBackground);
        return sent;
    }

    /** Sends a card as is (start and hand-back cards, relays): no reaction or working-card bookkeeping. */
    public Sent send(String chatId, String sessionId, JsonNode card, String kind, String title, String text) {
        requireFits(card);
        CardDelivery delivery = call("send a card to " + chatId, cards.sendToChat(chatId, card));
        String id = delivery.message().messageId();
        chats.recordSent(new SentMessage(id, chatId, sessionId, kind, title, text, clock.millis()));
        return new Sent(id, chatId);
    }

    /**
     * Shows the agent at work: the first call posts the grey working card with a Stop button (which only the
     * operator and coowners may press: see HandoffClicks), later calls update it in place with the elapsed time.
     */
    public Sent working(String chatId, String sessionId, String summary) {
        clearThinking(chatId);
        Optional<ObjectNode> active = settings.get(WORKING_KEY + chatId)
                .map(ServerJson.mapper()::readTree)
                .map(n -> (ObjectNode) n);
        WorkingCard card = WorkingCard.of(summary, chatId);
        if (active.isPresent()) {
            String id = active.get().path("message_id").asString();
            long started = active.get().path("started_at").asLong();
            Duration elapsed = Duration.ofMillis(clock.millis() - started);
            try {
                call("update the working card", messages.patchCard(id, card.toJson(elapsed)));
                return new Sent(id, chatId);
            } catch (HandoffException e) {
                log.info("working card {} could not be updated ({}); posting a new one", id, e.getMessage());
            }
        }
        Sent sent = send(chatId, sessionId, card.toJson(Duration.ZERO), WORKING_KIND, "Working", summary);
        settings.put(
                WORKING_KEY + chatId,
                ServerJson.mapper()
                        .createObjectNode()
                        .put("message_id", sent.messageId())
                        .put("started_at", clock.millis())
                        .toString());
        return sent;
    }

    /** Puts THINKING on the last reply of a batch (not on reactions, stickers or relays), to be taken off by the next post. */
    public void thinking(String chatId, List<HandoffReply> replies) {
        if (replies.isEmpty()) {
            return;
        }
        HandoffReply last = replies.get(replies.size() - 1);
        if (last.messageId().isEmpty() || NO_THINKING_ON.contains(last.msgType())) {
            return;
        }
        clearThinking(chatId);
        try {
            Reaction r = call("react to " + last.messageId(), messages.addReaction(last.messageId(), THINKING));
            settings.put(
                    THINKING_KEY + chatId,
                    ServerJson.mapper()
                            .createObjectNode()
                            .put("message_id", last.messageId())
                            .put("reaction_id", r.reactionId())
                            .toString());
        } catch (HandoffException e) {
            // Only a courtesy to the person waiting; the replies are delivered all the same.
            log.info("could not put THINKING on {}: {}", last.messageId(), e.getMessage());
        }
    }

    /** Takes the THINKING reaction off, if one is on. */
    public void clearThinking(String chatId) {
        thinkingRemoval(chatId).ifPresent(HandoffOutbox::now);
    }

    /** Turns a running working card into "Done" with the time it ran. */
    public void finishWorking(String chatId) {
        workingDone(chatId).ifPresent(HandoffOutbox::now);
    }

    /** A Lark call owed to the chat's look (a reaction to remove, a card to finish), and what it is for the log. */
    private record Cleanup(String what, Mono<?> call) {}

    /** The THINKING reaction's removal, if one is on; the chat no longer counts it as on either way. */
    private Optional<Cleanup> thinkingRemoval(String chatId) {
        return settings.get(THINKING_KEY + chatId).map(saved -> {
            settings.remove(THINKING_KEY + chatId);
            JsonNode n = ServerJson.mapper().readTree(saved);
            return new Cleanup(
                    "remove THINKING from " + n.path("message_id").asString(),
                    messages.deleteReaction(
                            n.path("message_id").asString(),
                            n.path("reaction_id").asString()));
        });
    }

    /** The running working card's turn into "Done", if one runs; it no longer counts as running either way. */
    private Optional<Cleanup> workingDone(String chatId) {
        return settings.get(WORKING_KEY + chatId).map(saved -> {
            settings.remove(WORKING_KEY + chatId);
            JsonNode n = ServerJson.mapper().readTree(saved);
            Duration ran =
                    Duration.ofMillis(clock.millis() - n.path("started_at").asLong());
            return new Cleanup(
                    "turn the working card into Done",
                    messages.patchCard(n.path("message_id").asString(), HandoffCards.done(ran)));
        });
    }

    private static void now(Cleanup c) {
        try {
            call(c.what(), c.call());
        } catch (HandoffException e) {
            log.info("could not {}: {}", c.what(), e.getMessage());
        }
    }

    private static void inBackground(Cleanup c) {
        c.call().timeout(LARK_TIMEOUT).subscribe(ok -> {}, e -> log.info("could not {}: {}", c.what(), e.getMessage()));
    }

    private static void requireFits(JsonNode card) {
        int bytes = CardBytes.of(card);
        if (bytes > CardBytes.LIMIT) {
            throw new HandoffException(
                    HandoffException.Problem.INVALID_ARGUMENT,
                    "the card is " + bytes
                            + " bytes as Lark receives it, over the " + CardBytes.LIMIT
                            + "-byte limit; shorten the message or send the rest as a file");
        }
    }

    /** Runs a Lark call to completion within the Lark timeout; a refusal becomes a {@link HandoffException}. */
    public static <T> T call(String what, Mono<T> call) {
        try {
            return call.block(LARK_TIMEOUT);
        } catch (LarkException e) {
            throw HandoffException.lark(what, e);
        } catch (IllegalStateException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("Timeout")) {
                throw e;
            }
            throw new HandoffException(
                    HandoffException.Problem.LARK_ERROR,
                    "could not " + what + ": Lark did not " + "answer within " + LARK_TIMEOUT.toSeconds() + " s",
                    e);
        }
    }
}
