package dev.larkhandoff.store.session;

import java.util.Locale;

/** A session's role: the dispatcher that coordinates, or an ordinary (teammate) session. */
public enum Role {
    DISPATCHER,
    SESSION;

    public String column() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role of(String column) {
        return valueOf(column.toUpperCase(Locale.ROOT));
    }
}
