package dev.larkhandoff.store.inbox;

/** A stored inbound event and where it is in its delivery. {@code seq} is the order of arrival and of delivery. */
public record InboxRow(
        long seq,
        InboxEvent event,
        long receivedAt,
        DeliveryState state,
        String deliveredToSession,
        Long deliveredAt,
        String filterReason) {

    public String dedupeKey() {
        return event.dedupeKey();
    }
}
