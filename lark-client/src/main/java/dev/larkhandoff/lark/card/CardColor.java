package dev.larkhandoff.lark.card;

import java.util.Locale;

/** A card header colour: Lark's {@code header.template} values, the same in card JSON 1.0 and 2.0. */
public enum CardColor {
    BLUE,
    WATHET,
    TURQUOISE,
    GREEN,
    YELLOW,
    ORANGE,
    RED,
    CARMINE,
    VIOLET,
    PURPLE,
    INDIGO,
    GREY;

    /** The {@code template} value Lark expects. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The colour a card's {@code template} names, or null for anything Lark would not recognise. */
    public static CardColor fromWire(String template) {
        if (template == null) {
            return null;
        }
        for (CardColor c : values()) {
            if (c.wire().equals(template)) {
                return c;
            }
        }
        return null;
    }
}
