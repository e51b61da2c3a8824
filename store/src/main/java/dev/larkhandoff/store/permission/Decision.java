package dev.larkhandoff.store.permission;

import java.util.Locale;

/** How a permission question was answered. */
public enum Decision {
    ALLOW,
    ALLOW_ALWAYS,
    DENY;

    public String column() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Decision of(String column) {
        return valueOf(column.toUpperCase(Locale.ROOT));
    }
}
