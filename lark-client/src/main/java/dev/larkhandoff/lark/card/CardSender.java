package dev.larkhandoff.lark.card;

import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.im.Message;
import dev.larkhandoff.lark.im.MessageApi;
import dev.larkhandoff.lark.im.OutgoingMessage;
import dev.larkhandoff.lark.im.ReceiveIdType;
import java.util.Objects;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * Sends cards and survives a Card V2 outage: when Lark answers code 230099 the card is resent as a JSON 1.0
 * card, then as plain text, and only if that fails too does the send fail. Any other error fails at once,
 * because a fallback would only hide it.
 */
public final class CardSender {

    /** Lark's code for a card it cannot render; during a Card V2 outage every 2.0 card gets it. */
    public static final int CARD_V2_UNAVAILABLE = 230099;

    private static final Logger log = LoggerFactory.getLogger(CardSender.class);

    private final MessageApi messages;

    public CardSender(MessageApi messages) {
        this.messages = Objects.requireNonNull(messages, "messages");
    }

    /** Sends a card to a chat. */
    public Mono<CardDelivery> sendToChat(String chatId, JsonNode card) {
        return send(ReceiveIdType.CHAT_ID, chatId, card, null);
    }

    /**
     * Sends a card. {@code uuid} (null for a random one) makes the send idempotent; each fallback attempt
     * gets its own derived uuid (4 characters longer, so keep a caller's uuid to 46 of Lark's 50), since
     * Lark would otherwise treat it as a repeat of the refused card.
     */
    public Mono<CardDelivery> send(ReceiveIdType type, String receiveId, JsonNode card, String uuid) {
        return deliver(card, uuid, (message, id) -> messages.send(type, receiveId, message, id));
    }

    /** Replies to a message with a card, with the same fallbacks as {@link #send}. */
    public Mono<CardDelivery> reply(String messageId, JsonNode card, boolean inThread, String uuid) {
        return deliver(card, uuid, (message, id) -> messages.reply(messageId, message, inThread, id));
    }

    private Mono<CardDelivery> deliver(
            JsonNode card, String uuid, BiFunction<OutgoingMessage, String, Mono<Message>> transport) {
        Objects.requireNonNull(card, "card");
        boolean v2 = Cards.isV2(card);
        Mono<CardDelivery> asBuilt = attempt(
                transport, OutgoingMessage.interactive(card), uuid, "", v2 ? CardForm.CARD_V2 : CardForm.CARD_V1);
        return asBuilt.onErrorResume(CardSender::isCardOutage, outage -> {
            log.warn("card refused with {} ({}); falling back", CARD_V2_UNAVAILABLE, outage.getMessage());
            Mono<CardDelivery> degraded = v2
                    ? attempt(
                            transport,
                            OutgoingMessage.interactive(CardFallback.toV1(card)),
                            uuid,
                            "-v1",
                            CardForm.CARD_V1)
                    : Mono.error(outage);
            return degraded.onErrorResume(LarkException.class, v1Failure -> {
                if (v1Failure != outage) {
                    log.warn("1.0 fallback card refused ({}); sending text", v1Failure.getMessage());
                }
                return attempt(transport, OutgoingMessage.text(CardFallback.toText(card)), uuid, "-txt", CardForm.TEXT)
                        .onErrorMap(LarkException.class, textFailure -> {
                            textFailure.addSuppressed(outage);
                            if (v1Failure != outage) {
                                textFailure.addSuppressed(v1Failure);
                            }
                            return textFailure;
                        });
            });
        });
    }

    private static Mono<CardDelivery> attempt(
            BiFunction<OutgoingMessage, String, Mono<Message>> transport,
            OutgoingMessage message,
            String uuid,
            String uuidSuffix,
            CardForm form) {
        String id = uuid == null ? null : uuid + uuidSuffix;
        return Mono.defer(() -> transport.apply(message, id)).map(m -> new CardDelivery(m, form));
    }

    private static boolean isCardOutage(Throwable e) {
        return e instanceof LarkException le && le.code() == CARD_V2_UNAVAILABLE;
    }
}
