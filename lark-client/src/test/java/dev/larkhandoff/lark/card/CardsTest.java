package dev.larkhandoff.lark.card;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.lark.LarkJson;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class CardsTest {

    static String text(JsonNode card, String pointer) {
        JsonNode n = card.at(pointer);
        assertThat(n.isMissingNode()).as("%s exists in %s", pointer, card).isFalse();
        return n.isString() ? n.stringValue() : n.toString();
    }

    @Test
    void given_only_markdown_when_building_then_it_is_a_headerless_v2_card_that_can_be_patched() {
        ObjectNode card = Cards.markdown("**hi**").toJson();

        assertThat(text(card, "/schema")).isEqualTo("2.0");
        assertThat(card.at("/config/update_multi").asBoolean()).isTrue();
        assertThat(card.has("header")).isFalse();
        assertThat(text(card, "/body/direction")).isEqualTo("vertical");
        assertThat(card.at("/body/elements").size()).isEqualTo(1);
        assertThat(text(card, "/body/elements/0/tag")).isEqualTo("markdown");
        assertThat(text(card, "/body/elements/0/content")).isEqualTo("**hi**");
    }

    @Test
    void given_title_colour_and_mention_when_building_markdown_then_header_and_at_prefix_are_set() {
        ObjectNode card = Cards.markdown("please look")
                .titled("Review", CardColor.PURPLE)
                .mentioning("ou_abc")
                .toJson();

        assertThat(text(card, "/header/title/tag")).isEqualTo("plain_text");
        assertThat(text(card, "/header/title/content")).isEqualTo("Review");
        assertThat(text(card, "/header/template")).isEqualTo("purple");
        assertThat(text(card, "/body/elements/0/content")).isEqualTo("<at id=ou_abc></at>\nplease look");
    }

    @Test
    void given_an_id_with_markup_when_mentioning_then_it_is_refused() {
        assertThatThrownBy(() -> Cards.markdown("x").mentioning("ou_1></at><at id=all"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an open_id");
    }

    @Test
    void given_each_colour_then_its_wire_name_is_lark_template_name() {
        assertThat(List.of(CardColor.values()))
                .extracting(CardColor::wire)
                .containsExactly(
                        "blue",
                        "wathet",
                        "turquoise",
                        "green",
                        "yellow",
                        "orange",
                        "red",
                        "carmine",
                        "violet",
                        "purple",
                        "indigo",
                        "grey");
        assertThat(CardColor.fromWire("carmine")).isEqualTo(CardColor.CARMINE);
        assertThat(CardColor.fromWire("pink")).isNull();
    }

    @Test
    void given_status_when_building_then_header_has_title_and_colour_and_body_is_markdown() {
        ObjectNode card =
                Cards.status("Handoff from Claude Code (opus)", "Handed off to Lark at 10:42.", CardColor.GREEN);

        assertThat(text(card, "/schema")).isEqualTo("2.0");
        assertThat(text(card, "/header/title/content")).isEqualTo("Handoff from Claude Code (opus)");
        assertThat(text(card, "/header/template")).isEqualTo("green");
        assertThat(text(card, "/body/elements/0/tag")).isEqualTo("markdown");
        assertThat(text(card, "/body/elements/0/content")).isEqualTo("Handed off to Lark at 10:42.");
    }

    @Test
    void given_a_status_without_title_then_it_is_refused() {
        assertThatThrownBy(() -> Cards.status(" ", "b", CardColor.GREEN)).hasMessageContaining("title is required");
    }

    @Test
    void given_three_buttons_when_building_then_each_sits_in_a_column_with_its_callback_value_in_behaviors() {
        ObjectNode card = Cards.buttons(
                "Permission Request",
                CardColor.ORANGE,
                "**Tool:** `Bash`",
                List.of(
                        Button.action("Approve", ButtonStyle.PRIMARY, "y").with("nonce", "perm:1"),
                        Button.action("Approve All", ButtonStyle.DEFAULT, "always"),
                        Button.action("Deny", ButtonStyle.DANGER, "n")));

        assertThat(text(card, "/header/template")).isEqualTo("orange");
        assertThat(text(card, "/body/elements/0/tag")).isEqualTo("markdown");
        assertThat(text(card, "/body/elements/1/tag")).isEqualTo("column_set");
        assertThat(card.at("/body/elements/1/columns").size()).isEqualTo(3);
        JsonNode approve = card.at("/body/elements/1/columns/0/elements/0");
        assertThat(text(approve, "/tag")).isEqualTo("button");
        assertThat(text(approve, "/text/tag")).isEqualTo("plain_text");
        assertThat(text(approve, "/text/content")).isEqualTo("Approve");
        assertThat(text(approve, "/type")).isEqualTo("primary");
        assertThat(text(approve, "/behaviors/0/type")).isEqualTo("callback");
        assertThat(text(approve, "/behaviors/0/value/action")).isEqualTo("y");
        assertThat(text(approve, "/behaviors/0/value/nonce")).isEqualTo("perm:1");
        assertThat(approve.has("value")).as("2.0 buttons carry no 1.0 value").isFalse();
        assertThat(text(card, "/body/elements/1/columns/1/elements/0/type")).isEqualTo("default");
        assertThat(text(card, "/body/elements/1/columns/2/elements/0/type")).isEqualTo("danger");
        assertThat(text(card, "/body/elements/1/columns/2/elements/0/behaviors/0/value/action"))
                .isEqualTo("n");
    }

    @Test
    void given_no_body_and_no_title_when_building_buttons_then_the_row_is_the_only_element() {
        ObjectNode card = Cards.buttons(
                null,
                null,
                "",
                List.of(
                        Button.action("Yes", ButtonStyle.PRIMARY, "yes"),
                        Button.action("No", ButtonStyle.DEFAULT, "no")));

        assertThat(card.has("header")).isFalse();
        assertThat(card.at("/body/elements").size()).isEqualTo(1);
        assertThat(text(card, "/body/elements/0/tag")).isEqualTo("column_set");
    }

    @Test
    void given_one_button_when_building_a_button_card_then_it_is_refused() {
        assertThatThrownBy(() -> Cards.buttons(
                        "t", CardColor.BLUE, "b", List.of(Button.action("Ok", ButtonStyle.PRIMARY, "ok"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least two buttons");
    }

    @Test
    void given_a_button_value_node_when_the_caller_changes_it_later_then_the_button_is_unchanged() {
        ObjectNode value = LarkJson.object().put("action", "go");
        Button b = new Button("Go", ButtonStyle.PRIMARY, value);
        value.put("action", "changed");
        b.value().put("action", "changed too");

        assertThat(b.value().get("action").stringValue()).isEqualTo("go");
    }
}
