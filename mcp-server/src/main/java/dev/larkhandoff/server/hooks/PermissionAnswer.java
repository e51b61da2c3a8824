package dev.larkhandoff.server.hooks;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** What someone answered a permission request with, typed in the chat or clicked on its card. */
public enum PermissionAnswer {
    ALLOW,
    ALWAYS,
    DENY;

    private static final Set<String> ALLOWS = Set.of("y", "yes", "approve", "ok", "1");
    private static final Set<String> ALWAYSES = Set.of("always", "yes always", "always allow");
    private static final Set<String> DENIES = Set.of("n", "no", "deny", "reject", "0");

    /** The answer a text means, trimmed and in any case; empty for anything else (it is not an answer). */
    public static Optional<PermissionAnswer> of(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String t = text.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
        if (ALWAYSES.contains(t)) {
            return Optional.of(ALWAYS);
        }
        if (ALLOWS.contains(t)) {
            return Optional.of(ALLOW);
        }
        return DENIES.contains(t) ? Optional.of(DENY) : Optional.empty();
    }

    /** The decision card's title. */
    public String title() {
        return switch (this) {
            case ALLOW -> "Approved ✓";
            case ALWAYS -> "Approved ✓ (always)";
            case DENY -> "Denied ✗";
        };
    }
}
