package dev.larkhandoff.lark.card;

import static dev.larkhandoff.lark.card.CardsTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class WorkingCardTest {

    @ParameterizedTest(name = "{0}s -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            -5  | Working...
            0   | Working...
            19  | Working...
            20  | Working hard...
            39  | Working hard...
            40  | Working really hard...
            59  | Working really hard...
            60  | Working super hard...
            89  | Working super hard...
            90  | Working incredibly hard...
            119 | Working incredibly hard...
            120 | Working unreasonably hard...
            179 | Working unreasonably hard...
            180 | Working absurdly hard...
            239 | Working absurdly hard...
            240 | Working impossibly hard...
            299 | Working impossibly hard...
            300 | Working ridiculously hard...
            419 | Working ridiculously hard...
            420 | Working cosmically hard...
            599 | Working cosmically hard...
            600 | Working transcendently hard...
            899 | Working transcendently hard...
            900 | Working beyond comprehension...
            86400 | Working beyond comprehension...
            """)
    void given_elapsed_seconds_when_titling_then_the_title_escalates_at_each_boundary(long seconds, String title) {
        assertThat(WorkingCard.title(Duration.ofSeconds(seconds))).isEqualTo(title);
        assertThat(text(Cards.working("s", "oc_1").toJson(Duration.ofSeconds(seconds)), "/header/title/content"))
                .isEqualTo(title);
    }

    @Test
    void given_a_working_card_then_it_is_grey_patchable_and_has_summary_then_stop_button() {
        ObjectNode card = Cards.working("Bash: npm test", "oc_7").toJson(Duration.ofSeconds(45));

        assertThat(text(card, "/schema")).isEqualTo("2.0");
        assertThat(card.at("/config/update_multi").asBoolean()).isTrue();
        assertThat(text(card, "/header/template")).isEqualTo("grey");
        assertThat(text(card, "/header/title/content")).isEqualTo("Working really hard...");
        assertThat(card.at("/body/elements").size()).isEqualTo(2);
        assertThat(text(card, "/body/elements/0/tag")).isEqualTo("markdown");
        assertThat(text(card, "/body/elements/0/content")).isEqualTo("Bash: npm test");
        JsonNode stop = card.at("/body/elements/1");
        assertThat(text(stop, "/tag")).isEqualTo("button");
        assertThat(text(stop, "/text/content")).isEqualTo("Stop");
        assertThat(text(stop, "/type")).isEqualTo("default");
        assertThat(text(stop, "/behaviors/0/type")).isEqualTo("callback");
        assertThat(stop.at("/behaviors/0/value")).hasSize(2);
        assertThat(text(stop, "/behaviors/0/value/action")).isEqualTo("__stop__");
        assertThat(text(stop, "/behaviors/0/value/chat_id")).isEqualTo("oc_7");
    }

    @Test
    void given_no_stop_then_the_card_is_the_summary_only() {
        ObjectNode card = Cards.working("x", "oc_7").withoutStop().toJson(Duration.ZERO);

        assertThat(card.at("/body/elements").size()).isEqualTo(1);
        assertThat(text(card, "/body/elements/0/tag")).isEqualTo("markdown");
    }

    @Test
    void given_a_multi_line_or_long_summary_then_it_becomes_one_bounded_line() {
        String summary = text(
                Cards.working("  line one\r\n   line two\nthree ", "c").toJson(Duration.ZERO),
                "/body/elements/0/content");
        String longOne = text(Cards.working("y".repeat(1000), "c").toJson(Duration.ZERO), "/body/elements/0/content");

        assertThat(summary).isEqualTo("line one line two three");
        assertThat(longOne).hasSize(WorkingCard.SUMMARY_LIMIT).endsWith("…");
    }
}
