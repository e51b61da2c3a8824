package dev.larkhandoff.store.session;

import java.util.Locale;

/** How a session takes inbound messages: pushed as channel notifications, or pulled by waiting tools. */
public enum DeliveryMode {
    PUSH,
    PULL;

    public String column() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DeliveryMode of(String column) {
        return valueOf(column.toUpperCase(Locale.ROOT));
    }
}
