package dev.larkhandoff.lark.contact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.lark.EmulatedLark;
import dev.larkhandoff.lark.UserIdType;
import dev.larkhandoff.lark.http.ApiRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

class ContactApiTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final EmulatedLark lark = new EmulatedLark();

    @Test
    void given_bot_info_at_the_top_level_of_the_answer_then_it_is_parsed_from_there() {
        JsonNode raw = lark.client()
                .http()
                .call(ApiRequest.get("/open-apis/bot/v3/info").build())
                .block(WAIT);
        assertThat(raw.has("bot")).isTrue();
        assertThat(raw.has("data")).isFalse();

        BotInfo bot = lark.client().bot().info().block(WAIT);

        assertThat(bot.openId()).isEqualTo(lark.emulator().app().botOpenId()).startsWith("ou_");
        assertThat(bot.appName()).isEqualTo(lark.emulator().app().name());
        assertThat(bot.activateStatus()).isEqualTo(2);
        assertThat(bot.avatarUrl()).startsWith("https://");
        assertThat(bot.ipWhiteList()).isEmpty();
    }

    @Test
    void given_a_known_address_when_looking_up_its_open_id_then_it_is_found() {
        EmuUser alice = lark.control().addUser("Alice", "alice@example.com");

        Optional<String> found =
                lark.client().contacts().openIdByEmail("alice@example.com").block(WAIT);

        assertThat(found).contains(alice.openId());
    }

    @Test
    void given_an_unknown_address_when_looking_it_up_then_the_answer_is_empty_not_an_error() {
        lark.control().addUser("Alice", "alice@example.com");

        Optional<String> found =
                lark.client().contacts().openIdByEmail("nobody@example.com").block(WAIT);

        assertThat(found).isEmpty();
    }

    @Test
    void given_known_and_unknown_addresses_when_looking_up_in_batch_then_only_known_ones_are_in_the_map() {
        EmuUser alice = lark.control().addUser("Alice", "alice@example.com");
        EmuUser bob = lark.control().addUser("Bob", "bob@example.com");

        Map<String, String> found = lark.client()
                .contacts()
                .userIdsByEmail(
                        List.of("Alice@Example.com", "ghost@example.com", "bob@example.com"), UserIdType.UNION_ID)
                .block(WAIT);

        assertThat(found)
                .containsExactly(
                        Map.entry("Alice@Example.com", alice.unionId()), Map.entry("bob@example.com", bob.unionId()));
    }

    @Test
    void given_more_than_50_addresses_when_looking_up_then_they_are_split_into_calls_of_50() {
        EmuUser last = lark.control().addUser("Last", "last@example.com");
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            emails.add("unknown" + i + "@example.com");
        }
        emails.add("last@example.com");

        Map<String, String> found = lark.client()
                .contacts()
                .userIdsByEmail(emails, UserIdType.OPEN_ID)
                .block(WAIT);

        assertThat(found).containsExactly(Map.entry("last@example.com", last.openId()));
        assertThat(lark.control().calls())
                .filteredOn(c -> c.path().equals("/open-apis/contact/v3/users/batch_get_id"))
                .hasSize(2);
    }

    @Test
    void given_missing_addresses_then_lookups_fail_naming_the_argument() {
        assertThatThrownBy(() -> lark.client().contacts().openIdByEmail(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("email");
        assertThatThrownBy(() -> lark.client().contacts().userIdsByEmail(List.of(), UserIdType.OPEN_ID))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("emails");
    }
}
