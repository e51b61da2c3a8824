package dev.larkhandoff.emulator.control;

import dev.larkhandoff.emulator.EmuJson;
import java.util.Optional;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/** Finds buttons in card JSON 1.0 and 2.0, the way a person's eye finds them on screen. */
final class Cards {

    private Cards() {}

    static Optional<JsonNode> findButton(JsonNode card, String label) {
        return find(
                card,
                n -> "button".equals(EmuJson.text(n, "tag"))
                        && label.equals(n.path("text").path("content").asString(null)));
    }

    static Optional<JsonNode> findSubmit(JsonNode card) {
        return find(
                card,
                n -> "button".equals(EmuJson.text(n, "tag"))
                        && ("submit".equals(EmuJson.text(n, "form_action_type"))
                                || "form_submit".equals(EmuJson.text(n, "action_type"))));
    }

    /** 2.0 puts the callback value in {@code behaviors[type=callback].value}; 1.0 in {@code value}. */
    static JsonNode callbackValue(JsonNode button) {
        for (JsonNode b : button.path("behaviors")) {
            if ("callback".equals(EmuJson.text(b, "type"))) {
                return b.path("value");
            }
        }
        JsonNode v = button.get("value");
        return v == null ? EmuJson.object() : v;
    }

    private static Optional<JsonNode> find(JsonNode node, Predicate<JsonNode> match) {
        if (node == null) {
            return Optional.empty();
        }
        if (node.isObject() && match.test(node)) {
            return Optional.of(node);
        }
        for (JsonNode child : node) {
            if (child.isContainer()) {
                Optional<JsonNode> found = find(child, match);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }
}
