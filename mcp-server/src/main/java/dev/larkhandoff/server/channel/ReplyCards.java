package dev.larkhandoff.server.channel;

import dev.larkhandoff.lark.card.Cards;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.node.ObjectNode;

/**
 * Renders an agent's Markdown into Lark cards (schema 2.0, one markdown element each), as many as it takes to
 * keep every card under {@link #MAX_CARD_BYTES}. {@code <@ou_…>} becomes a card mention ({@code <at id=ou_…></at>})
 * except inside code, where it stays literal.
 */
public final class ReplyCards {

    /** The most a card may weigh in its send request; Lark caps the whole request at 30 KB. */
    public static final int MAX_CARD_BYTES = CardBytes.LIMIT;

    /** {@code <@id>} outside code; an inline code span is matched first so that a mention inside it is skipped. */
    private static final Pattern MENTION_OR_CODE =
            Pattern.compile("(?<code>(`+).+?(?<!`)\\2(?!`))|<@(?<id>[A-Za-z0-9_\\-]+)>");

    /** The budget for markdown is what a card may weigh minus the heaviest empty card (the panel-wrapped one). */
    private static final MarkdownSplitter SPLITTER = new MarkdownSplitter(
            MAX_CARD_BYTES
                    - 1
                    - CardBytes.of(CardStyle.inPanel(Cards.markdown("").toJson())),
            CardBytes::ofText);

    private ReplyCards() {}

    /**
     * The cards for this text, in reading order.
     *
     * @throws IllegalArgumentException when the text is blank, or has a part that cannot be cut small enough
     */
    public static List<ReplyCard> render(String markdown) {
        if (markdown == null || markdown.isBlank()) {
            throw new IllegalArgumentException("text is empty");
        }
        String text = markdown.replace("\r\n", "\n").replace('\r', '\n');
        List<MarkdownLine> lines = MarkdownLine.parse(text).stream()
                .map(line -> line.isCode() ? line : line.withText(withMentions(line.text())))
                .toList();
        List<String> parts = SPLITTER.split(lines);
        List<ReplyCard> cards = new ArrayList<>(parts.size());
        for (String part : parts) {
            ObjectNode card = CardStyle.apply(Cards.markdown(part).toJson(), part, parts.size());
            int bytes = CardBytes.of(card);
            if (bytes >= MAX_CARD_BYTES) {
                // Only a pathological text gets here, such as a code fence whose opening line alone fills a card.
                throw new IllegalArgumentException("text has a part that cannot be cut below the card limit of "
                        + MAX_CARD_BYTES + " bytes (it renders to " + bytes + " bytes)");
            }
            cards.add(new ReplyCard(part, card));
        }
        return cards;
    }

    /**
     * The one card for this text.
     *
     * @throws IllegalArgumentException when the text needs more than one card, naming the limit
     */
    public static ReplyCard renderOne(String markdown) {
        List<ReplyCard> cards = render(markdown);
        if (cards.size() > 1) {
            throw new IllegalArgumentException("text is too long for one card: it needs " + cards.size()
                    + " cards of at most " + MAX_CARD_BYTES + " bytes each (Lark caps a message at 30 KB)");
        }
        return cards.get(0);
    }

    /** {@code <@ou_…>} as the card markdown mention, outside inline code spans. */
    static String withMentions(String line) {
        if (line.indexOf("<@") < 0) {
            return line;
        }
        Matcher m = MENTION_OR_CODE.matcher(line);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = m.group("id") == null ? m.group() : Cards.mention(m.group("id"));
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
