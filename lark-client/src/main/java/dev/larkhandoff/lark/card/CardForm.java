package dev.larkhandoff.lark.card;

/** The form in which a card reached the chat: as built, or degraded by the 230099 fallback. */
public enum CardForm {
    /** A schema 2.0 card, as built. */
    CARD_V2,
    /** A JSON 1.0 card: either built that way, or a 2.0 card degraded during a Card V2 outage. */
    CARD_V1,
    /** A text message: the last resort when no card could be sent. */
    TEXT
}
