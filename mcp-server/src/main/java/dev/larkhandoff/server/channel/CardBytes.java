package dev.larkhandoff.server.channel;

import dev.larkhandoff.lark.im.OutgoingMessage;
import dev.larkhandoff.server.ServerJson;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;

/**
 * What a card weighs in a Lark send request. The card travels as a JSON string ({@code content}) inside the
 * request's JSON, so its markdown is escaped twice: a quote costs four bytes, a newline three. Lark caps a
 * request at 30 KB; a card is kept under {@link #LIMIT} so the rest of the request always fits.
 */
public final class CardBytes {

    /** 28 KB read as 28,000 bytes, so the bound holds whichever way "KB" is read. */
    public static final int LIMIT = 28_000;

    /** JSON escaping works character by character, so the cost of every ASCII character is a table lookup. */
    private static final int[] ASCII = new int[128];

    static {
        for (char c = 0; c < 128; c++) {
            ASCII[c] = escapedTwice(String.valueOf(c));
        }
    }

    private CardBytes() {}

    /** The bytes of this card's {@code content} string as it appears, quoted and escaped, in the request. */
    public static int of(JsonNode card) {
        String content = OutgoingMessage.interactive(card).content();
        return utf8(ServerJson.mapper().writeValueAsString(content));
    }

    /**
     * The bytes this text adds to a card's weight when placed in a markdown element. Additive: the cost of a
     * concatenation is the sum of the costs of its parts.
     */
    static int ofText(String text) {
        int total = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 128) {
                return escapedTwice(text);
            }
            total += ASCII[c];
        }
        return total;
    }

    private static int escapedTwice(String text) {
        String once = ServerJson.mapper().writeValueAsString(text);
        String twice = ServerJson.mapper().writeValueAsString(once);
        // Drop the quotes that belong to the strings, not to the text: "\"…\"" is six characters.
        return utf8(twice) - 6;
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
