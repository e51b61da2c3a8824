package dev.larkhandoff.lark.ws;

import dev.larkhandoff.lark.event.CardAction;
import dev.larkhandoff.lark.event.CardResponse;
import dev.larkhandoff.lark.event.LarkEvent;
import java.util.concurrent.atomic.AtomicBoolean;
import tools.jackson.databind.JsonNode;

/**
 * An event from the long connection together with its acknowledgement. Lark is told 200 only when the consumer
 * calls {@link #ack()} (after it durably accepted the event) or {@link #respond(CardResponse)}; {@link #fail}
 * answers 500 so Lark pushes the event again. Exactly one of them takes effect; later calls are ignored.
 */
public final class InboundEvent {

    /** Where the decision goes: the connection that owes Lark an answer for this event. */
    interface Acknowledger {
        void acknowledge(InboundEvent event, int code, JsonNode data);
    }

    private final LarkEvent event;
    private final Acknowledger acknowledger;
    private final AtomicBoolean answered = new AtomicBoolean();

    InboundEvent(LarkEvent event, Acknowledger acknowledger) {
        this.event = event;
        this.acknowledger = acknowledger;
    }

    public LarkEvent event() {
        return event;
    }

    /** The consumer has durably accepted the event: Lark may forget it. */
    public void ack() {
        answer(200, null);
    }

    /** The consumer could not accept the event: Lark should push it again later. */
    public void fail() {
        answer(500, null);
    }

    /** Answers a {@link CardAction}: the toast and card update travel back in the acknowledgement. */
    public void respond(CardResponse response) {
        if (!(event instanceof CardAction)) {
            throw new IllegalStateException(
                    "only card.action.trigger events take a card response, not " + event.eventType());
        }
        answer(200, response.toJson());
    }

    public boolean answered() {
        return answered.get();
    }

    private void answer(int code, JsonNode data) {
        if (answered.compareAndSet(false, true)) {
            acknowledger.acknowledge(this, code, data);
        }
    }

    @Override
    public String toString() {
        return "InboundEvent[" + event.eventType() + " " + event.eventId() + "]";
    }
}
