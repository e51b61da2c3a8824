package dev.larkhandoff.store.chat;

import java.util.Locale;

/** What a person other than the operator may do in a chat: talk (guest), or also decide (coowner). */
public enum MemberRole {
    GUEST,
    COOWNER;

    public String column() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static MemberRole of(String column) {
        return valueOf(column.toUpperCase(Locale.ROOT));
    }
}
