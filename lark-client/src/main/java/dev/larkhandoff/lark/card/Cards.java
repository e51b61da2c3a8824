package dev.larkhandoff.lark.card;

import dev.larkhandoff.lark.LarkJson;
import java.util.List;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Entry point for building card JSON (schema 2.0 unless a method says otherwise), and the element
 * shapes the card builders share.
 */
public final class Cards {

    /** Lark ids are ASCII word characters; anything else would let a caller inject card markup. */
    private static final Pattern OPEN_ID = Pattern.compile("[A-Za-z0-9_\\-]+");

    private Cards() {}

    /** A markdown card without a header; add one with {@link MarkdownCard#titled}. */
    public static MarkdownCard markdown(String markdown) {
        return MarkdownCard.of(markdown);
    }

    /** A status card: a coloured header and a markdown body (start and end of a handoff, notices). */
    public static ObjectNode status(String title, String body, CardColor color) {
        return MarkdownCard.of(body).titled(requireText(title, "title"), color).toJson();
    }

    /**
     * A question with two or more buttons. {@code title} may be null for a card without a header.
     *
     * @throws IllegalArgumentException with fewer than two buttons
     */
    public static ObjectNode buttons(String title, CardColor color, String body, List<Button> buttons) {
        if (buttons == null || buttons.size() < 2) {
            throw new IllegalArgumentException("a button card needs at least two buttons");
        }
        ArrayNode elements = LarkJson.mapper().createArrayNode();
        if (body != null && !body.isBlank()) {
            elements.add(markdownElement(body));
        }
        elements.add(buttonRow(buttons));
        return card(title == null ? null : header(title, color), elements);
    }

    /** A form; see {@link FormCard} for what it holds. */
    public static FormCard form(String title, String body, List<FormField> fields) {
        return FormCard.of(title, body, fields);
    }

    /** The card that tracks a running agent turn and carries its Stop button. */
    public static WorkingCard working(String summary, String chatId) {
        return WorkingCard.of(summary, chatId);
    }

    /** The markdown that @-mentions a user inside a card: {@code <at id=OPEN_ID></at>}. */
    public static String mention(String openId) {
        if (openId == null || !OPEN_ID.matcher(openId).matches()) {
            throw new IllegalArgumentException("not an open_id: " + openId);
        }
        return "<at id=" + openId + "></at>";
    }

    /** Whether this card JSON uses schema 2.0 (the ones Lark rejects with 230099 during a Card V2 outage). */
    public static boolean isV2(JsonNode card) {
        JsonNode schema = card == null ? null : card.get("schema");
        return schema != null && schema.isString() && "2.0".equals(schema.stringValue());
    }

    // ---- shapes shared by the builders ----

    static ObjectNode card(ObjectNode header, ArrayNode elements) {
        ObjectNode card = LarkJson.object().put("schema", "2.0");
        // Every card may later be PATCHed (decisions replace questions), and Lark only allows that when both
        // the old and the new card say update_multi.
        card.putObject("config").put("update_multi", true);
        if (header != null) {
            card.set("header", header);
        }
        ObjectNode body = card.putObject("body");
        body.put("direction", "vertical");
        body.set("elements", elements);
        return card;
    }

    static ObjectNode header(String title, CardColor color) {
        ObjectNode header = LarkJson.object();
        header.set("title", plainText(title));
        if (color != null) {
            header.put("template", color.wire());
        }
        return header;
    }

    static ObjectNode plainText(String content) {
        return LarkJson.object().put("tag", "plain_text").put("content", content);
    }

    static ObjectNode markdownElement(String content) {
        return LarkJson.object().put("tag", "markdown").put("content", content);
    }

    /** A 2.0 button: the callback value lives in {@code behaviors}, not in {@code value} as in 1.0. */
    static ObjectNode buttonElement(Button button) {
        ObjectNode element = LarkJson.object().put("tag", "button");
        element.set("text", plainText(button.label()));
        element.put("type", button.style().wire());
        element.putArray("behaviors").addObject().put("type", "callback").set("value", button.value());
        return element;
    }

    /** Buttons side by side: 2.0 has no {@code action} container, so each gets an auto-width column. */
    static ObjectNode buttonRow(List<Button> buttons) {
        ObjectNode row = LarkJson.object()
                .put("tag", "column_set")
                .put("flex_mode", "flow")
                .put("horizontal_spacing", "8px");
        ArrayNode columns = row.putArray("columns");
        for (Button b : buttons) {
            ObjectNode column = columns.addObject().put("tag", "column").put("width", "auto");
            column.putArray("elements").add(buttonElement(b));
        }
        return row;
    }

    /** At most {@code max} chars, never cutting a surrogate pair in half. */
    static String truncate(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
        return text.substring(0, end);
    }

    static String requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " is required");
        }
        return value;
    }
}
