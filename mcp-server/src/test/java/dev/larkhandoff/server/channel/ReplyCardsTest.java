package dev.larkhandoff.server.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.lark.LarkJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Rendering Markdown into cards and cutting it into parts: pure functions, checked on their output. */
class ReplyCardsTest {

    /** A small budget, so that structure is easy to see; the cost is the real one. */
    private static final int BUDGET = 400;

    private final MarkdownSplitter splitter = new MarkdownSplitter(BUDGET, CardBytes::ofText);

    private List<String> split(String text) {
        return splitter.split(MarkdownLine.parse(text));
    }

    @Test
    void given_a_short_text_with_a_mention_when_rendered_then_one_plain_markdown_card_mentions_that_person() {
        List<ReplyCard> cards = ReplyCards.render("Done, <@ou_abc123>. See **the log**.");

        assertThat(cards).singleElement().satisfies(card -> {
            assertThat(card.markdown()).isEqualTo("Done, <at id=ou_abc123></at>. See **the log**.");
            JsonNode json = card.json();
            assertThat(json.path("schema").asString()).isEqualTo("2.0");
            assertThat(json.path("config").path("update_multi").asBoolean()).isTrue();
            assertThat(json.path("body").path("elements")).singleElement().satisfies(e -> {
                assertThat(e.path("tag").asString()).isEqualTo("markdown");
                assertThat(e.path("content").asString()).isEqualTo(card.markdown());
            });
        });
    }

    @Test
    void given_mentions_in_code_when_rendered_then_only_the_one_in_prose_becomes_a_mention() {
        String text = "```\nping <@ou_a>\n```\n`<@ou_b>` is how to write <@ou_c>, and <@all> for everyone";

        String markdown = ReplyCards.render(text).get(0).markdown();

        assertThat(markdown)
                .isEqualTo("```\nping <@ou_a>\n```\n`<@ou_b>` is how to write <at id=ou_c></at>, "
                        + "and <at id=all></at> for everyone");
    }

    @Test
    void given_a_long_single_card_when_rendered_then_it_sits_in_an_expanded_blue_panel() {
        String text = "word ".repeat(130);

        JsonNode card = ReplyCards.render(text).get(0).json();

        JsonNode panel = card.path("body").path("elements").get(0);
        assertThat(panel.path("tag").asString()).isEqualTo("collapsible_panel");
        assertThat(panel.path("expanded").asBoolean()).isTrue();
        assertThat(panel.path("border").path("color").asString()).isEqualTo("blue");
        assertThat(panel.path("border").path("corner_radius").asString()).isEqualTo("5px");
        assertThat(panel.path("header").path("title").path("content").asString())
                .isEqualTo("**回复详情**");
        assertThat(panel.path("elements").get(0).path("content").asString()).isEqualTo(text);
        assertThat(card.path("config").path("update_multi").asBoolean()).isTrue();
    }

    @Test
    void given_a_long_card_with_a_table_when_rendered_then_it_is_not_put_in_a_panel() {
        String text = "| a | b |\n|---|:-:|\n" + "| x | y |\n".repeat(80);

        JsonNode card = ReplyCards.render(text).get(0).json();

        assertThat(card.path("body").path("elements").get(0).path("tag").asString())
                .isEqualTo("markdown");
    }

    @Test
    void given_a_blank_text_when_rendered_then_it_is_refused() {
        assertThatThrownBy(() -> ReplyCards.render("  \n "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("text is empty");
    }

    @Test
    void given_a_text_that_needs_two_cards_when_one_is_required_then_the_error_names_the_limit() {
        String text = "A paragraph of some length.\n\n".repeat(2000);

        assertThatThrownBy(() -> ReplyCards.renderOne(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("text is too long for one card: it needs ")
                .hasMessageContaining("of at most 28000 bytes each");
    }

    @Test
    void given_paragraphs_when_split_then_parts_end_after_blank_lines_and_rejoin_to_the_text() {
        List<String> paragraphs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            paragraphs.add("Paragraph " + i + " has a first line\nand a second line.");
        }
        String text = String.join("\n\n", paragraphs);

        List<String> parts = split(text);

        assertThat(parts).hasSizeGreaterThan(1);
        assertThat(String.join("\n", parts)).isEqualTo(text);
        assertThat(parts.subList(0, parts.size() - 1))
                .allSatisfy(part -> assertThat(part).endsWith("\n"));
        assertThat(parts).allSatisfy(part -> assertThat(CardBytes.ofText(part)).isLessThanOrEqualTo(BUDGET));
    }

    @Test
    void given_a_code_block_that_fits_a_part_when_split_then_it_moves_whole_to_the_next_part() {
        String prose = "Some prose before the code, long enough to fill most of a part on its own.\n".repeat(4);
        String code = "```java\n" + "int x = 1;\n".repeat(8) + "```";
        String text = prose + code + "\nafter";

        List<String> parts = split(text);

        assertThat(parts).hasSize(2);
        assertThat(parts.get(1)).startsWith(code);
        assertThat(String.join("\n", parts)).isEqualTo(text);
    }

    @Test
    void given_a_code_block_larger_than_a_part_when_split_then_each_part_closes_and_reopens_it() {
        List<String> code = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            code.add("    call(" + i + ");");
        }
        String text = "Intro.\n\n~~~~python title=\"x\"\n" + String.join("\n", code) + "\n~~~~\n\nOutro.";

        List<String> parts = split(text);

        assertThat(parts).hasSizeGreaterThan(2);
        assertThat(parts).allSatisfy(part -> {
            List<MarkdownLine> lines = MarkdownLine.parse(part);
            assertThat(lines.get(lines.size() - 1).kind().fenceOpenAfter())
                    .as("balanced: %s", part)
                    .isFalse();
            assertThat(CardBytes.ofText(part)).isLessThanOrEqualTo(BUDGET);
        });
        assertThat(parts.subList(1, parts.size() - 1)).allSatisfy(part -> {
            assertThat(part).startsWith("~~~~python title=\"x\"\n");
            assertThat(part).endsWith("\n~~~~");
        });
        List<String> codeSeen = new ArrayList<>();
        for (String part : parts) {
            MarkdownLine.parse(part).stream()
                    .filter(l -> l.kind() == MarkdownLine.Kind.CODE)
                    .forEach(l -> codeSeen.add(l.text()));
        }
        assertThat(codeSeen).containsExactlyElementsOf(code);
    }

    @Test
    void given_one_long_line_of_emoji_and_cjk_when_split_then_it_is_cut_between_whole_characters_only() {
        String text = "日本語🙂👍🏽e\u0301🇯🇵👩\u200D💻".repeat(120);

        List<String> parts = split(text);

        assertThat(parts).hasSizeGreaterThan(1);
        assertThat(String.join("", parts)).isEqualTo(text);
        assertThat(parts).allSatisfy(part -> {
            assertThat(Character.isLowSurrogate(part.charAt(0))).isFalse();
            assertThat(Character.isHighSurrogate(part.charAt(part.length() - 1)))
                    .isFalse();
            // Neither a skin tone nor a combining accent is torn from the character it modifies.
            assertThat(part).doesNotStartWith("\uD83C\uDFFD").doesNotStartWith("\u0301");
            // Nor is a flag or a zero-width-joined emoji cut in two.
            assertThat(part)
                    .doesNotStartWith("\uD83C\uDDF5")
                    .doesNotStartWith("\u200D")
                    .doesNotStartWith("💻");
            assertThat(new String(part.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
                    .isEqualTo(part);
            assertThat(CardBytes.ofText(part)).isLessThanOrEqualTo(BUDGET);
        });
    }

    @Test
    void given_one_long_line_with_mentions_when_split_then_no_mention_tag_is_cut() {
        String text = ReplyCards.withMentions("ask <@ou_reviewer1> and ".repeat(40));

        List<String> parts = split(text);

        assertThat(parts).hasSizeGreaterThan(1);
        assertThat(String.join("", parts)).isEqualTo(text);
        assertThat(parts)
                .allSatisfy(part -> assertThat(part.replace("<at id=ou_reviewer1></at>", ""))
                        .doesNotContain("<at")
                        .doesNotContain("</at>")
                        .doesNotContain("reviewer1"));
    }

    @Test
    void given_any_card_when_measured_then_its_weight_is_the_content_string_escaped_in_the_request() {
        JsonNode card = ReplyCards.render("say \"hi\"\nback\\slash").get(0).json();
        String content = LarkJson.write(card);

        int expected = LarkJson.write(content).getBytes(StandardCharsets.UTF_8).length;

        assertThat(CardBytes.of(card)).isEqualTo(expected);
        assertThat(CardBytes.ofText("say \"hi\"\nback\\slash"))
                .isEqualTo(LarkJson.write(LarkJson.write("say \"hi\"\nback\\slash"))
                                .length()
                        - 6);
    }
}
