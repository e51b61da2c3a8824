package dev.larkhandoff.store.inbox;

import java.util.Locale;

/** Where a stored event is: waiting for its session, handed to it, or kept from it by the access rules. */
public enum DeliveryState {
    PENDING,
    DELIVERED,
    FILTERED;

    public String column() {
        return name().toLowerCase(Locale.ROOT);
    }

    static DeliveryState of(String column) {
        return valueOf(column.toUpperCase(Locale.ROOT));
    }
}
