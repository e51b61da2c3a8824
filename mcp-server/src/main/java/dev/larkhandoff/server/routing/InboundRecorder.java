package dev.larkhandoff.server.routing;

import dev.larkhandoff.lark.event.CardAction;
import dev.larkhandoff.lark.event.CardResponse;
import dev.larkhandoff.lark.ws.InboundEvent;
import dev.larkhandoff.store.StoreUnwritableException;
import dev.larkhandoff.store.inbox.InboxEvent;
import dev.larkhandoff.store.inbox.InboxRepository;
import dev.larkhandoff.store.inbox.InsertResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first step of the inbound path: an event from Lark is made durable in the inbox, and only then is Lark
 * told 200. A failed write answers 500, so Lark pushes the event again; nothing is acknowledged that was not
 * stored. A redelivery of a stored event is acknowledged and goes no further. A card click is answered with
 * the toast and card update its {@link CardCallbacks} decide, in the same acknowledgement.
 *
 * <p>Events that arrived together are stored together ({@link #acceptAll}): one transaction, one commit, for up to
 * {@link #MAX_BATCH} of them, and each is acknowledged only after that commit; when it fails, each of them is
 * answered 500. A card click is stored on its own, since its answer waits for its own judgement.
 */
public final class InboundRecorder {

    private static final Logger log = LoggerFactory.getLogger(InboundRecorder.class);

    /** The most events stored in one transaction: a commit holds back the acknowledgement of every event in it. */
    public static final int MAX_BATCH = 64;

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
    private final Runnable afterCommit;

    /** @param afterStore runs for each newly stored event, after the ack (routing picks it up from there) */
    public InboundRecorder(InboxRepository inbox, BiConsumer<InboxEvent, InsertResult> afterStore) {
        this(inbox, afterStore, UnaryOperator.identity(), CardCallbacks.NONE, () -> {});
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
        this(inbox, afterStore, place, cards, () -> {});
    }

    /**
     * @param afterCommit runs once per commit that stored a new event, after {@code afterStore} ran for each of them:
     *                    what a batch needs done once, not once per event (telling the other daemons, routing)
     */
    public InboundRecorder(
            InboxRepository inbox,
            BiConsumer<InboxEvent, InsertResult> afterStore,
            UnaryOperator<InboxEvent> place,
            CardCallbacks cards,
            Runnable afterCommit) {
        this.inbox = inbox;
        this.afterStore = afterStore;
        this.place = place;
        this.cards = cards;
        this.afterCommit = afterCommit;
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
        store(List.of(inbound), decision);
    }

    /**
     * Stores events that arrived together, in their order, then answers Lark for each: card clicks one by one, the
     * others in transactions of up to {@link #MAX_BATCH}. Call from a thread that may block.
     */
    public void acceptAll(List<InboundEvent> events) {
        List<InboundEvent> batch = new ArrayList<>();
        for (InboundEvent inbound : events) {
            if (inbound.event() instanceof CardAction) {
                // Stored after the events before it, so the inbox keeps the order they came in.
                store(batch, null);
                batch.clear();
                accept(inbound);
                continue;
            }
            batch.add(inbound);
            if (batch.size() == MAX_BATCH) {
                store(batch, null);
                batch.clear();
            }
        }
        store(batch, null);
    }

    /**
     * One transaction for {@code events}, then their answers, then what follows for each newly stored one.
     *
     * @param decision the card click's own decision when {@code events} is that one click, else null
     */
    private void store(List<InboundEvent> events, CardCallbacks.Decision decision) {
        if (events.isEmpty()) {
            return;
        }
        List<InboundEvent> placed = new ArrayList<>(events.size());
        List<InboxEvent> rows = new ArrayList<>(events.size());
        // A reaction to a message of the same batch finds its chat here: that message is not committed yet.
        Map<String, String> chatOfMessage = new HashMap<>();
        for (InboundEvent inbound : events) {
            InboxEvent row;
            try {
                row = place.apply(InboxEvents.from(inbound.event()));
            } catch (RuntimeException e) {
                log.error(
                        "could not read event {} ({}); answering 500 so Lark pushes it again: {}",
                        inbound.event().eventId(),
                        inbound.event().eventType(),
                        e.getMessage());
                inbound.fail();
                continue;
            }
            if (row.chatId() == null && row.messageId() != null && chatOfMessage.containsKey(row.messageId())) {
                row = row.withChatId(chatOfMessage.get(row.messageId()));
            }
            if ("im.message.receive_v1".equals(row.eventType()) && row.messageId() != null && row.chatId() != null) {
                chatOfMessage.put(row.messageId(), row.chatId());
            }
            placed.add(inbound);
            rows.add(row);
        }
        List<InsertResult> results;
        try {
            results = inbox.insertAllIfAbsent(rows);
        } catch (StoreUnwritableException e) {
            // Said once by the daemon's store watch; Lark pushes every few hundred ms until the disk recovers.
            log.debug(
                    "the store refuses writes; answering 500 to {} event(s) from {} so Lark pushes them again: {}",
                    placed.size(),
                    placed.isEmpty() ? "-" : placed.get(0).event().eventId(),
                    e.problem());
            placed.forEach(InboundEvent::fail);
            return;
        } catch (RuntimeException e) {
            log.error(
                    "could not store {} event(s) from {} ({}); answering 500 to each so Lark pushes them again: {}",
                    placed.size(),
                    placed.isEmpty() ? "-" : placed.get(0).event().eventId(),
                    placed.isEmpty() ? "-" : placed.get(0).event().eventType(),
                    e.getMessage());
            placed.forEach(InboundEvent::fail);
            return;
        }
        // Every answer after the one commit: Lark forgets nothing that a failure of a later event could lose.
        for (InboundEvent inbound : placed) {
            if (decision instanceof CardCallbacks.Accept accept && accept.response() != null) {
                inbound.respond(accept.response());
            } else {
                inbound.ack();
            }
        }
        boolean stored = false;
        for (int i = 0; i < placed.size(); i++) {
            InboundEvent inbound = placed.get(i);
            if (!results.get(i).inserted()) {
                log.debug(
                        "event {} was stored before; acknowledged again",
                        inbound.event().eventId());
                continue;
            }
            try {
                if (decision instanceof CardCallbacks.Accept accept) {
                    accept.afterStore().run();
                }
                afterStore.accept(rows.get(i), results.get(i));
            } catch (RuntimeException e) {
                // Stored and acknowledged: routing retries from the inbox (on register, ownership change, start).
                log.error(
                        "routing event {} failed; it stays pending in the inbox",
                        inbound.event().eventId(),
                        e);
            }
            stored = true;
        }
        if (stored) {
            try {
                afterCommit.run();
            } catch (RuntimeException e) {
                log.error("routing the events just stored failed; they stay pending in the inbox", e);
            }
        }
    }
}
