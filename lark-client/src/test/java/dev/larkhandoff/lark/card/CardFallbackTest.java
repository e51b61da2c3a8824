package dev.larkhandoff.lark.card;

import static dev.larkhandoff.lark.card.CardsTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.lark.LarkJson;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class CardFallbackTest {

    private static final ObjectNode BUTTONS = Cards.buttons(
            "Alert",
            CardColor.RED,
            "Disk **full**",
            List.of(
                    Button.action("Retry", ButtonStyle.PRIMARY, "retry"),
                    Button.action("Skip", ButtonStyle.DEFAULT, "skip")));

    @Test
    void given_v2_and_v1_cards_then_schema_detection_tells_them_apart() {
        assertThat(Cards.isV2(BUTTONS)).isTrue();
        assertThat(Cards.isV2(CardFallback.toV1(BUTTONS))).isFalse();
        assertThat(Cards.isV2(null)).isFalse();
        assertThat(Cards.isV2(LarkJson.read("\"2.0\""))).isFalse();
    }

    @Test
    void given_a_v2_card_when_extracting_then_title_and_markdown_are_read_and_buttons_ignored() {
        CardText t = CardText.of(BUTTONS);

        assertThat(t.title()).isEqualTo("Alert");
        assertThat(t.body()).isEqualTo("Disk **full**");
    }

    @Test
    void given_markdown_inside_a_form_when_extracting_then_it_is_included() {
        JsonNode card = LarkJson.read("""
                {"schema":"2.0","header":{"title":{"tag":"plain_text","content":"Q"}},
                 "body":{"elements":[{"tag":"markdown","content":"top"},
                   {"tag":"form","name":"f","elements":[{"tag":"markdown","content":"**Pick**"},
                     {"tag":"select_static","name":"p","options":[]},{"tag":"button","text":{"content":"Submit"}}]}]}}
                """);

        assertThat(CardText.of(card)).isEqualTo(new CardText("Q", "top\n**Pick**"));
    }

    @Test
    void given_a_built_form_card_when_extracting_then_the_choices_survive() {
        ObjectNode form = Cards.form("Choose", "Which?", List.of(FormField.select("db", "Database", "pg", "my")))
                .toJson();

        assertThat(CardText.of(form).body()).isEqualTo("Which?\n\n**Database:** pg · my");
    }

    @Test
    void given_a_v1_card_when_extracting_then_each_div_text_is_read() {
        JsonNode card = LarkJson.read("""
                {"header":{"title":{"tag":"plain_text","content":"Old"},"template":"green"},
                 "elements":[{"tag":"div","text":{"tag":"lark_md","content":"one"}},
                   {"tag":"action","actions":[{"tag":"button","text":{"content":"Ok"}}]},
                   {"tag":"div","text":{"tag":"lark_md","content":"two"}}]}
                """);

        assertThat(CardText.of(card)).isEqualTo(new CardText("Old", "one\ntwo"));
    }

    @Test
    void given_an_empty_card_when_extracting_then_both_parts_are_empty() {
        assertThat(CardText.of(LarkJson.object())).isEqualTo(new CardText("", ""));
        assertThat(CardText.of(null)).isEqualTo(new CardText("", ""));
    }

    @Test
    void given_a_v2_card_when_degrading_to_v1_then_title_colour_text_and_note_are_kept_and_buttons_dropped() {
        ObjectNode v1 = CardFallback.toV1(BUTTONS);

        assertThat(v1.has("schema")).isFalse();
        assertThat(v1.has("body")).isFalse();
        assertThat(text(v1, "/header/title/content")).isEqualTo("Alert");
        assertThat(text(v1, "/header/template")).isEqualTo("red");
        assertThat(text(v1, "/elements/0/tag")).isEqualTo("div");
        assertThat(text(v1, "/elements/0/text/tag")).isEqualTo("lark_md");
        assertThat(text(v1, "/elements/0/text/content")).isEqualTo("Disk **full**");
        assertThat(text(v1, "/elements/1/tag")).isEqualTo("note");
        assertThat(text(v1, "/elements/1/elements/0/content"))
                .isEqualTo("Lark Card V2 down — interactive elements disabled");
        assertThat(v1.get("elements")).hasSize(2);
        assertThat(v1.toString()).doesNotContain("button", "behaviors", "Retry");
    }

    @Test
    void given_a_patchable_working_card_when_degrading_then_the_v1_card_stays_patchable() {
        ObjectNode v1 = CardFallback.toV1(Cards.working("Bash: ls", "oc_1").toJson(Duration.ZERO));

        assertThat(v1.at("/config/update_multi").asBoolean()).isTrue();
        assertThat(text(v1, "/header/template")).isEqualTo("grey");
    }

    @Test
    void given_a_headerless_card_when_degrading_then_v1_has_no_header() {
        ObjectNode v1 = CardFallback.toV1(Cards.markdown("just text").toJson());

        assertThat(v1.has("header")).isFalse();
        assertThat(text(v1, "/elements/0/text/content")).isEqualTo("just text");
    }

    @Test
    void given_a_titled_card_when_degrading_to_text_then_title_is_bracketed_and_note_follows() {
        assertThat(CardFallback.toText(BUTTONS)).isEqualTo("[Alert]\nDisk **full**\n(Lark Card V2 down)");
    }

    @Test
    void given_an_untitled_card_when_degrading_to_text_then_there_is_no_leading_bracket() {
        assertThat(CardFallback.toText(Cards.markdown("hello").toJson())).isEqualTo("hello\n(Lark Card V2 down)");
    }

    @Test
    void given_a_card_mention_when_degrading_to_text_then_it_uses_the_text_message_mention_syntax() {
        String text =
                CardFallback.toText(Cards.markdown("look").mentioning("ou_x1").toJson());

        assertThat(text).isEqualTo("<at user_id=\"ou_x1\"></at>\nlook\n(Lark Card V2 down)");
    }
}
