package dev.larkhandoff.server.routing;

import dev.larkhandoff.lark.ws.InboundEvent;
import dev.larkhandoff.store.inbox.InboxEvent;
import dev.larkhandoff.store.inbox.InboxRepository;
import dev.larkhandoff.store.inbox.InsertResult;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first step of the inbound path: an event from Lark is made durable in the inbox, and only then is Lark
 * told 200. A failed write answers 500, so Lark pushes the event again; nothing is acknowledged that was not
 * stored. A redelivery of a stored event is acknowledged and goes no further.
 */
public final class InboundRecorder {

    private static final Logger log = LoggerFactory.getLogger(InboundRecorder.class);

    private final InboxRepository inbox;
    private final BiConsumer<InboxEvent, InsertResult> afterStore;

    /** @param afterStore runs for each newly stored event, after the ack (routing picks it up from there) */
    public InboundRecorder(InboxRepository inbox, BiConsumer<InboxEvent, InsertResult> afterStore) {
        this.inbox = inbox;
        this.afterStore = afterStore;
    }

    /** Stores, then answers Lark. Call from a thread that may block (the store writes to disk). */
    public void accept(InboundEvent inbound) {
        InboxEvent row;
        InsertResult result;
        try {
            row = InboxEvents.from(inbound.event());
            result = inbox.insertIfAbsent(row);
        } catch (RuntimeException e) {
            log.error("could not store event {} ({}); answering 500 so Lark pushes it again: {}",
                    inbound.event().eventId(), inbound.event().eventType(), e.getMessage());
            inbound.fail();
            return;
        }
        inbound.ack();
        if (!result.inserted()) {
            log.debug("event {} was stored before; acknowledged again", inbound.event().eventId());
            return;
        }
        try {
            afterStore.accept(row, result);
        } catch (RuntimeException e) {
            // Stored and acknowledged: routing retries from the inbox (on register, ownership change, start).
            log.error("routing event {} failed; it stays pending in the inbox", inbound.event().eventId(), e);
        }
    }
}
