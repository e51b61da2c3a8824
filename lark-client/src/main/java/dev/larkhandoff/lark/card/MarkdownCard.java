package dev.larkhandoff.lark.card;

import dev.larkhandoff.lark.LarkJson;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A schema 2.0 card holding one markdown element: the default shape of a conversational reply.
 *
 * @param title         header title, null for a card without a header
 * @param color         header colour, null for Lark's default
 * @param mentionOpenId the user to @-mention at the top of the body, or null
 */
public record MarkdownCard(String title, CardColor color, String mentionOpenId, String markdown) {

    public MarkdownCard {
        markdown = markdown == null ? "" : markdown;
        if (mentionOpenId != null) {
            Cards.mention(mentionOpenId);
        }
    }

    public static MarkdownCard of(String markdown) {
        return new MarkdownCard(null, null, null, markdown);
    }

    /** The same card with a header. */
    public MarkdownCard titled(String title, CardColor color) {
        return new MarkdownCard(Cards.requireText(title, "title"), color, mentionOpenId, markdown);
    }

    /** The same card, @-mentioning {@code openId} on the line above the markdown so that person is notified. */
    public MarkdownCard mentioning(String openId) {
        return new MarkdownCard(title, color, openId, markdown);
    }

    public ObjectNode toJson() {
        String content = mentionOpenId == null ? markdown : Cards.mention(mentionOpenId) + "\n" + markdown;
        ArrayNode elements = LarkJson.mapper().createArrayNode().add(Cards.markdownElement(content));
        return Cards.card(title == null ? null : Cards.header(title, color), elements);
    }
}
