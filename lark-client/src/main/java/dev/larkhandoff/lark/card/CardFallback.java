package dev.larkhandoff.lark.card;

import dev.larkhandoff.lark.LarkJson;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Degrades a card for a Card V2 outage (code 230099): first to a JSON 1.0 card with the same header and
 * text, then to plain text. Interactive elements are dropped, and both forms say so, so that nobody waits
 * on a button that is not there.
 */
public final class CardFallback {

    /** Appended to the 1.0 card. */
    public static final String V1_NOTE = "Lark Card V2 down — interactive elements disabled";
    /** Appended to the text message. */
    public static final String TEXT_NOTE = "(Lark Card V2 down)";

    /** Card markdown mentions; text messages spell them {@code <at user_id="…"></at>}. */
    private static final Pattern CARD_MENTION = Pattern.compile("<at id=\"?([A-Za-z0-9_\\-]+)\"?></at>");

    private CardFallback() {}

    /** A 1.0 card: same title and colour, the card's text as one lark_md block, then the outage note. */
    public static ObjectNode toV1(JsonNode card) {
        CardText text = CardText.of(card);
        ObjectNode v1 = LarkJson.object();
        // Keep PATCHability: a working card that fell back must still be updatable in place.
        boolean updateMulti =
                card != null && card.path("config").path("update_multi").asBoolean(false);
        v1.putObject("config").put("wide_screen_mode", true).put("update_multi", updateMulti);
        if (!text.title().isEmpty()) {
            String template =
                    card == null ? "" : CardText.string(card.path("header").get("template"));
            v1.set("header", Cards.header(text.title(), CardColor.fromWire(template)));
        }
        ArrayNode elements = v1.putArray("elements");
        if (!text.body().isBlank()) {
            elements.addObject()
                    .put("tag", "div")
                    .set("text", LarkJson.object().put("tag", "lark_md").put("content", text.body()));
        }
        elements.addObject().put("tag", "note").putArray("elements").add(Cards.plainText(V1_NOTE));
        return v1;
    }

    /** {@code "[title]\n" + body + "\n(Lark Card V2 down)"}; without a title the first line is the body. */
    public static String toText(JsonNode card) {
        CardText text = CardText.of(card);
        String body = CARD_MENTION.matcher(text.body()).replaceAll("<at user_id=\"$1\"></at>");
        String head = text.title().isEmpty() ? "" : "[" + text.title() + "]\n";
        return head + body + "\n" + TEXT_NOTE;
    }
}
