package dev.larkhandoff.store.chat;

import java.util.Locale;

/** How much tool output is forwarded to a chat. */
public enum FilterLevel {
    CONCISE,
    IMPORTANT,
    VERBOSE;

    public String column() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static FilterLevel of(String column) {
        return valueOf(column.toUpperCase(Locale.ROOT));
    }
}
