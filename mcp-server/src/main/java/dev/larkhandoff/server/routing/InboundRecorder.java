package dev.larkhandoff.server.routing;

import dev.larkhandoff.lark.event.CardAction;
import dev.larkhandoff.lark.event.CardResponse;
import dev.larkhandoff.lark.ws.InboundEvent;
import dev.larkhandoff.store.StoreUnwritableException;
import dev.larkhandoff.store.inbox.InboxEvent;
import dev.larkhandoff.store.inbox.InboxRepository;
import dev.larkhandoff.store.inbox.InsertResult;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first step of the inbound path: an event from Lark is made durable in the inbox, and only then is Lark
 * told 200. A failed write answers 500, so Lark pushes the event again; nothing is acknowledged that was not
 * stored. A redelivery of a stored event is acknowledged and goes no further. A card click is answered with
 * the toast and card update its {@link CardCallbacks} decide, in the same acknowledgement.
 */
public final class InboundRecorder {

    private static final Logger log = LoggerFactory.getLogger(InboundRecorder.class);

    /** Decides the synchronous answer to a card click, and whether the click is stored at all. */
    public interface CardCallbacks {

        /** What to do with one click. */
        sealed interface Decision {}

        /** Store the click, then answer with this response and run {@code afterStore}. */
        record Accept(CardResponse response, Runnable afterStore) implements Decision {}

        /** Answer at once and store nothing (a click by someone who may not decide). */
        record Reject(CardResponse response) implements Decision {}

        Decision judge(CardAction action);

        /** Clicks are stored and acknowledged without a toast. */
        CardCallbacks NONE = action -> new Accept(null, () -> {});
    }

    private final InboxRepository inbox;
    private final BiConsumer<InboxEvent, InsertResult> afterStore;
    private final UnaryOperator<InboxEvent> place;
    private final CardCallbacks cards;

    /** @param afterStore runs for each newly stored event, after the ack (routing picks it up from there) */
    public InboundRecorder(InboxRepository inbox, BiConsumer<InboxEvent, InsertResult> afterStore) {
        this(inbox, afterStore, UnaryOperator.identity(), CardCallbacks.NONE);
    }

    /**
     * @param place fills in what the event does not say itself before it is stored (the chat of a reaction)
     * @param cards answers card clicks
     */
    public InboundRecorder(
            InboxRepository inbox,
            BiConsumer<InboxEvent, InsertResult> afterStore,
            UnaryOperator<InboxEvent> place,
            CardCallbacks cards) {
        this.inbox = inbox;
        this.afterStore = afterStore;
        this.place = place;
        this.cards = cards;
    }

    /** Stores, then answers Lark. Call from a thread that may block (the store writes to disk). */
    public void accept(InboundEvent inbound) {
        CardCallbacks.Decision decision = null;
        if (inbound.event() instanceof CardAction action) {
            try {
                decision = cards.judge(action);
            } catch (RuntimeException e) {
                log.warn(
                        "judging card click {} failed; storing it without a card update: {}",
                        inbound.event().eventId(),
                        e.getMessage());
                decision = CardCallbacks.NONE.judge(action);
            }
            if (decision instanceof CardCallbacks.Reject reject) {
                inbound.respond(reject.response());
                return;
            }
        }
        InboxEvent row;
        InsertResult result;
        try {
            row = place.apply(InboxEvents.from(inbound.event()));
            result = inbox.insertIfAbsent(row);
        } catch (StoreUnwritableException e) {
            // Said once by the daemon's store watch; Lark pushes every few hundred ms until the disk recovers.
            log.debug(
                    "the store refuses writes; answering 500 to event {} so Lark pushes it again: {}",
                    inbound.event().eventId(),
                    e.problem());
            inbound.fail();
            return;
        } catch (RuntimeException e) {
            log.error(
                    "could not store event {} ({}); answering 500 so Lark pushes it again: {}",
                    inbound.event().eventId(),
                    inbound.event().eventType(),
                    e.getMessage());
            inbound.fail();
            return;
        }
        if (decision instanceof CardCallbacks.Accept accept && accept.response() != null) {
            inbound.respond(accept.response());
        } else {
            inbound.ack();
        }
        if (!result.inserted()) {
            log.debug(
                    "event {} was stored before; acknowledged again",
                    inbound.event().eventId());
            return;
        }
        try {
            if (decision instanceof CardCallbacks.Accept accept) {
                accept.afterStore().run();
            }
            afterStore.accept(row, result);
        } catch (RuntimeException e) {
            // Stored and acknowledged: routing retries from the inbox (on register, ownership change, start).
            log.error(
                    "routing event {} failed; it stays pending in the inbox",
                    inbound.event().eventId(),
                    e);
        }
    }
}
