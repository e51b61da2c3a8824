package dev.larkhandoff.lark.card;

import java.util.Locale;

/** How a card button looks: Lark's button {@code type}. */
public enum ButtonStyle {
    PRIMARY,
    DEFAULT,
    DANGER;

    /** The {@code type} value Lark expects. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
