package dev.larkhandoff.lark.card;

import dev.larkhandoff.lark.LarkJson;
import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

/**
 * A card button: its label, its look, and the value Lark hands back in {@code action.value} when someone
 * clicks it.
 */
public record Button(String label, ButtonStyle style, ObjectNode value) {

    public Button {
        Cards.requireText(label, "button label");
        Objects.requireNonNull(style, "style");
        // Copied so that a caller reusing its node cannot change a card after it was built.
        value = value == null ? LarkJson.object() : value.deepCopy();
    }

    /** A button whose value is just {@code {"action": action}}, the shape the handoff callbacks route on. */
    public static Button action(String label, ButtonStyle style, String action) {
        return new Button(label, style, LarkJson.object().put("action", Cards.requireText(action, "action")));
    }

    @Override
    public ObjectNode value() {
        return value.deepCopy();
    }

    /** The same button with one more key in its value. */
    public Button with(String key, String text) {
        ObjectNode v = value.deepCopy();
        v.put(key, text);
        return new Button(label, style, v);
    }
}
