package dev.larkhandoff.store.permission;

import java.util.Locale;

/** Where a permission question is: waiting, answered, timed out, or withdrawn. */
public enum RequestState {
    PENDING,
    DECIDED,
    EXPIRED,
    CANCELLED;

    public String column() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static RequestState of(String column) {
        return valueOf(column.toUpperCase(Locale.ROOT));
    }
}
