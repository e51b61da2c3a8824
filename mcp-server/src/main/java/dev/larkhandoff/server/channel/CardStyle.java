package dev.larkhandoff.server.channel;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The channel's card style for replies: a reply spread over several cards, or a long one, is wrapped in an
 * expanded collapsible panel with a blue border, so a long answer reads as one block that can be folded away.
 * Short replies stay plain. {@code update_multi} is left as the card builder set it, so edits still patch.
 */
final class CardStyle {

    /** A single card this heavy (UTF-8 bytes of markdown) counts as long. */
    static final int LONG_BYTES = 600;

    static final String PANEL_TITLE = "**回复详情**";

    /** A Markdown table's delimiter row, such as {@code |---|:--:|}. */
    private static final Pattern TABLE_DELIMITER =
            Pattern.compile("(?m)^ {0,3}\\|?[ \\t]*:?-+:?[ \\t]*(\\|[ \\t]*:?-+:?[ \\t]*)*\\|[ \\t]*:?-*:?[ \\t]*$");

    private CardStyle() {}

    /** The card styled for a reply of {@code parts} cards, of which this one shows {@code markdown}. */
    static ObjectNode apply(ObjectNode card, String markdown, int parts) {
        boolean qualifies = parts > 1 || markdown.getBytes(StandardCharsets.UTF_8).length >= LONG_BYTES;
        // Lark refuses a table inside a panel, so a body with a table stays unwrapped.
        if (!qualifies || TABLE_DELIMITER.matcher(markdown).find()) {
            return card;
        }
        return inPanel(card);
    }

    /** The card with its body elements moved into the panel. */
    static ObjectNode inPanel(ObjectNode card) {
        ObjectNode body = (ObjectNode) card.get("body");
        JsonNode elements = body.get("elements");
        ObjectNode panel = body.objectNode().put("tag", "collapsible_panel").put("expanded", true);
        panel.putObject("header").putObject("title").put("tag", "markdown").put("content", PANEL_TITLE);
        panel.putObject("border").put("color", "blue").put("corner_radius", "5px");
        panel.set("elements", elements);
        ArrayNode wrapped = body.arrayNode().add(panel);
        body.set("elements", wrapped);
        return card;
    }
}
