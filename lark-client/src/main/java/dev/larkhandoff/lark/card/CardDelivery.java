package dev.larkhandoff.lark.card;

import dev.larkhandoff.lark.im.Message;
import java.util.Objects;

/** A card send that succeeded: the message Lark created and the form it took. */
public record CardDelivery(Message message, CardForm form) {

    public CardDelivery {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(form, "form");
    }

    /** Whether people got a text message and so cannot click anything. */
    public boolean isText() {
        return form == CardForm.TEXT;
    }
}
