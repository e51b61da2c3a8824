package dev.larkhandoff.server.workspace;

import java.util.Locale;

/** Which of the bot's own groups a listing shows. */
public enum GroupScope {
    /** Groups the operator is a member of. */
    MINE,
    /** Every group the bot owns. */
    ALL;

    /** The scope a tool argument names: {@code mine} (or its older name {@code user}) or {@code all}; null is mine. */
    public static GroupScope of(String value) {
        if (value == null || value.isBlank()) {
            return MINE;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "mine", "user" -> MINE;
            case "all" -> ALL;
            default ->
                throw new WorkspaceException(
                        WorkspaceException.Problem.BAD_ARGUMENT, "scope '" + value + "' is not one of mine, all");
        };
    }
}
