package dev.larkhandoff.server.channel;

import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

/** One card of a rendered reply: the card markdown it shows (mentions already as card tags) and the card JSON. */
public record ReplyCard(String markdown, ObjectNode json) {

    public ReplyCard {
        Objects.requireNonNull(markdown, "markdown");
        Objects.requireNonNull(json, "json");
    }
}
