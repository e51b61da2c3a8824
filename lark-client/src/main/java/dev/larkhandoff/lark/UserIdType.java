package dev.larkhandoff.lark;

import java.util.Locale;

/** Which of a person's ids a call takes or returns ({@code user_id_type}, {@code member_id_type}). */
public enum UserIdType {
    OPEN_ID,
    UNION_ID,
    USER_ID;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
