package dev.larkhandoff.lark.event;

import dev.larkhandoff.lark.LarkJson;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The synchronous answer to a {@link CardAction}: a toast for the clicker and/or a card that replaces the clicked one. */
public record CardResponse(Toast toast, JsonNode card) {

    /** A short message shown to the person who clicked; {@code type} is info, success, warning or error. */
    public record Toast(String type, String content) {}

    public static CardResponse toast(String type, String content) {
        return new CardResponse(new Toast(type, content), null);
    }

    public CardResponse withCard(JsonNode newCard) {
        return new CardResponse(toast, newCard);
    }

    /** {@code {"toast": {...}, "card": {"type": "raw", "data": card}}}, as the platform expects it. */
    public ObjectNode toJson() {
        ObjectNode root = LarkJson.object();
        if (toast != null) {
            root.putObject("toast").put("type", toast.type()).put("content", toast.content());
        }
        if (card != null) {
            ObjectNode c = root.putObject("card");
            c.put("type", "raw");
            c.set("data", card);
        }
        return root;
    }
}
