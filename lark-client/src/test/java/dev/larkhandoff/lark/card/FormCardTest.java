package dev.larkhandoff.lark.card;

import static dev.larkhandoff.lark.card.CardsTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.lark.LarkJson;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class FormCardTest {

    private static final List<FormField> FIELDS = List.of(
            FormField.input("reason", "Why?"),
            FormField.checker("notify", "Notify the team", true),
            new FormField.Select(
                    "db",
                    "Database",
                    List.of(new FormField.Option("PostgreSQL", "pg"), new FormField.Option("MySQL", "my")),
                    "my"));

    @Test
    void given_fields_when_building_then_body_then_form_at_root_with_selects_checkers_inputs_and_submit() {
        ObjectNode card = Cards.form("Choose", "Which database?", FIELDS)
                .withChatId("oc_1")
                .toJson();

        assertThat(text(card, "/schema")).isEqualTo("2.0");
        assertThat(text(card, "/header/title/content")).isEqualTo("Choose");
        assertThat(text(card, "/header/template")).isEqualTo("blue");
        assertThat(text(card, "/body/elements/0/tag")).isEqualTo("markdown");
        assertThat(text(card, "/body/elements/1/tag")).isEqualTo("form");
        assertThat(text(card, "/body/elements/1/name")).isEqualTo("form");
        assertThat(card.at("/body/elements").size())
                .as("no cancel button unless asked")
                .isEqualTo(2);
        JsonNode form = card.at("/body/elements/1/elements");
        assertThat(form.size()).isEqualTo(4);
        assertThat(List.of(form.get(0), form.get(1), form.get(2), form.get(3)))
                .extracting(n -> n.get("tag").stringValue())
                .containsExactly("select_static", "checker", "input", "button");
    }

    @Test
    void given_a_select_when_building_then_options_initial_option_and_body_listing_are_set() {
        ObjectNode card = Cards.form("Choose", "Which database?", FIELDS).toJson();

        JsonNode select = card.at("/body/elements/1/elements/0");
        assertThat(text(select, "/name")).isEqualTo("db");
        assertThat(text(select, "/placeholder/content")).isEqualTo("Database");
        assertThat(text(select, "/options/0/text/tag")).isEqualTo("plain_text");
        assertThat(text(select, "/options/0/text/content")).isEqualTo("PostgreSQL");
        assertThat(text(select, "/options/0/value")).isEqualTo("pg");
        assertThat(text(select, "/options/1/value")).isEqualTo("my");
        assertThat(text(select, "/initial_option")).isEqualTo("my");
        assertThat(text(card, "/body/elements/0/content"))
                .isEqualTo("Which database?\n\n**Database:** PostgreSQL · MySQL");
    }

    @Test
    void given_no_initial_value_then_the_first_option_is_selected() {
        FormField.Select s = FormField.select("pick", "Pick", "a", "b");

        assertThat(s.initialValue()).isEqualTo("a");
        assertThat(text(s.toElement(), "/initial_option")).isEqualTo("a");
    }

    @Test
    void given_checker_and_input_when_building_then_their_shapes_match_lark() {
        JsonNode form = Cards.form(
                        "t",
                        "",
                        List.of(
                                new FormField.Input("note", "Anything else?", true),
                                FormField.checker("ok", "Looks good", false)))
                .toJson()
                .at("/body/elements/0/elements");

        assertThat(text(form, "/0/tag")).isEqualTo("checker");
        assertThat(text(form, "/0/name")).isEqualTo("ok");
        assertThat(form.at("/0/checked").asBoolean(true)).isFalse();
        assertThat(text(form, "/0/text/content")).isEqualTo("Looks good");
        assertThat(text(form, "/1/tag")).isEqualTo("input");
        assertThat(text(form, "/1/name")).isEqualTo("note");
        assertThat(text(form, "/1/placeholder/content")).isEqualTo("Anything else?");
        assertThat(form.at("/1/required").asBoolean()).isTrue();
    }

    @Test
    void given_submit_extras_when_building_then_submit_is_a_form_submit_button_with_merged_callback_value() {
        ObjectNode card = Cards.form("Choose", "x".repeat(600), FIELDS)
                .withChatId("oc_1")
                .withSubmit("Send", LarkJson.object().put("nonce", "form:9"))
                .toJson();

        JsonNode submit = card.at("/body/elements/1/elements/3");
        assertThat(text(submit, "/tag")).isEqualTo("button");
        assertThat(text(submit, "/name")).isEqualTo("submit");
        assertThat(text(submit, "/form_action_type")).isEqualTo("submit");
        assertThat(text(submit, "/type")).isEqualTo("primary");
        assertThat(text(submit, "/text/content")).isEqualTo("Send");
        assertThat(text(submit, "/behaviors/0/type")).isEqualTo("callback");
        JsonNode value = submit.at("/behaviors/0/value");
        assertThat(text(value, "/action")).isEqualTo("form_submit");
        assertThat(text(value, "/chat_id")).isEqualTo("oc_1");
        assertThat(text(value, "/title")).isEqualTo("Choose");
        assertThat(text(value, "/body")).hasSize(500);
        assertThat(text(value, "/nonce")).isEqualTo("form:9");
    }

    @Test
    void given_a_cancel_label_then_a_cancel_button_follows_the_form_outside_it() {
        ObjectNode card = Cards.form("Choose", "b", FIELDS)
                .withChatId("oc_1")
                .withCancel("Never mind")
                .toJson();

        assertThat(card.at("/body/elements").size()).isEqualTo(3);
        JsonNode cancel = card.at("/body/elements/2");
        assertThat(text(cancel, "/tag")).isEqualTo("button");
        assertThat(text(cancel, "/text/content")).isEqualTo("Never mind");
        assertThat(text(cancel, "/type")).isEqualTo("default");
        assertThat(cancel.has("form_action_type")).isFalse();
        assertThat(text(cancel, "/behaviors/0/value/action")).isEqualTo("__cancel__");
        assertThat(text(cancel, "/behaviors/0/value/chat_id")).isEqualTo("oc_1");
    }

    @Test
    void given_two_fields_with_one_name_or_the_reserved_submit_name_then_the_form_is_refused() {
        assertThatThrownBy(() -> Cards.form("t", "b", List.of(FormField.input("a", "x"), FormField.input("a", "y"))))
                .hasMessageContaining("used twice");
        assertThatThrownBy(() -> Cards.form("t", "b", List.of(FormField.input("submit", "x"))))
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> FormField.input("has space", "x")).hasMessageContaining("form field name");
    }

    @Test
    void given_an_initial_value_that_is_not_an_option_then_the_select_is_refused() {
        assertThatThrownBy(() -> new FormField.Select("s", "S", List.of(new FormField.Option("A", "a")), "z"))
                .hasMessageContaining("no option z");
    }
}
