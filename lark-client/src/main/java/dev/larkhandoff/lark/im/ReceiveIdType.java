package dev.larkhandoff.lark.im;

import java.util.Locale;

/** What a {@code receive_id} names. */
public enum ReceiveIdType {
    CHAT_ID,
    OPEN_ID,
    UNION_ID,
    USER_ID,
    EMAIL;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
