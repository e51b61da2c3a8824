package dev.larkhandoff.lark.card;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The readable text of a card (header title and body text) for the 230099 fallbacks, which can keep
 * only what a person reads and must drop everything they click.
 *
 * @param title the header title, "" when the card has none
 * @param body  the body's text blocks, one per line, "" when there are none
 */
public record CardText(String title, String body) {

    /** 2.0 layout containers whose children a person still sees as part of the card. */
    private static final Set<String> CONTAINERS =
            Set.of("form", "column_set", "column", "collapsible_panel", "interactive_container");

    public CardText {
        title = title == null ? "" : title;
        body = body == null ? "" : body;
    }

    /**
     * Extracts the text: for 2.0, the {@code markdown} elements of {@code body.elements} including those
     * inside a form; for 1.0, each element's {@code text.content}. Also reads markdown inside 2.0 column
     * sets and 1.0 {@code markdown} elements, so no text a person could read is lost.
     */
    public static CardText of(JsonNode card) {
        if (card == null || !card.isObject()) {
            return new CardText("", "");
        }
        String title = string(card.path("header").path("title").get("content"));
        List<String> blocks = new ArrayList<>();
        JsonNode elements = Cards.isV2(card) ? card.path("body").path("elements") : card.path("elements");
        collect(elements, blocks);
        return new CardText(title, String.join("\n", blocks));
    }

    private static void collect(JsonNode elements, List<String> blocks) {
        if (elements == null || !elements.isArray()) {
            return;
        }
        for (JsonNode e : elements) {
            String tag = string(e.get("tag"));
            String text = "markdown".equals(tag)
                    ? string(e.get("content"))
                    : string(e.path("text").get("content"));
            if ("markdown".equals(tag) || "div".equals(tag)) {
                if (!text.isBlank()) {
                    blocks.add(text);
                }
            } else if (CONTAINERS.contains(tag)) {
                collect(e.get("elements"), blocks);
                collect(e.get("columns"), blocks);
            }
        }
    }

    /** The text of a JSON string node; "" for a missing, null or non-string node, so callers need no null checks. */
    static String string(JsonNode node) {
        return node != null && node.isString() ? node.stringValue() : "";
    }
}
