package dev.larkhandoff.store.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.store.OpenStoreTest;
import dev.larkhandoff.store.StoreBackends;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@StoreBackends
class ChatRepositoryTest extends OpenStoreTest {

    private ChatRepository chats;

    @BeforeEach
    void open() {
        chats = store.chats();
    }

    @Test
    void given_an_unconfigured_chat_then_it_has_the_defaults_until_a_config_is_cached() {
        assertThat(chats.config("oc_1")).isEqualTo(ChatConfig.defaults("oc_1"));

        chats.saveConfig(new ChatConfig("oc_1", FilterLevel.VERBOSE, true, "be brief", "om_pin", 0));
        chats.saveConfig(new ChatConfig("oc_1", FilterLevel.IMPORTANT, true, "be brief", "om_pin", 0));

        ChatConfig cached = chats.config("oc_1");
        assertThat(cached.filterLevel()).isEqualTo(FilterLevel.IMPORTANT);
        assertThat(cached.autoapprove()).isTrue();
        assertThat(cached.pinnedCardMessageId()).isEqualTo("om_pin");
        assertThat(cached.cachedAt()).isEqualTo(clock.millis());
    }

    @Test
    void given_guests_and_coowners_then_roles_can_be_read_changed_and_removed() {
        chats.putMember("oc_1", "ou_g", "Guest", MemberRole.GUEST);
        clock.advance(Duration.ofSeconds(1));
        chats.putMember("oc_1", "ou_c", "Co", MemberRole.COOWNER);
        chats.putMember("oc_1", "ou_g", "Guest", MemberRole.COOWNER);

        assertThat(chats.members("oc_1"))
                .extracting(ChatMember::openId, ChatMember::role)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("ou_g", MemberRole.COOWNER),
                        org.assertj.core.groups.Tuple.tuple("ou_c", MemberRole.COOWNER));
        assertThat(chats.removeMember("oc_1", "ou_g")).isTrue();
        assertThat(chats.roleOf("oc_1", "ou_g")).isEmpty();
        assertThat(chats.roleOf("oc_2", "ou_c")).isEmpty();
    }

    @Test
    void given_members_when_replaced_by_a_list_then_the_chat_has_exactly_that_list_and_old_members_keep_their_time() {
        chats.putMember("oc_1", "ou_old", "Old", MemberRole.GUEST);
        chats.putMember("oc_1", "ou_gone", "Gone", MemberRole.GUEST);
        chats.putMember("oc_2", "ou_other", "Other", MemberRole.GUEST);
        long oldTime = clock.millis();
        clock.advance(Duration.ofSeconds(5));

        chats.replaceMembers(
                "oc_1",
                List.of(
                        new ChatMember("oc_1", "ou_new", "New", MemberRole.COOWNER, 0),
                        new ChatMember("oc_1", "ou_old", "Old", MemberRole.COOWNER, 0),
                        new ChatMember("oc_1", "ou_new", "Twice", MemberRole.GUEST, 0)));

        assertThat(chats.members("oc_1"))
                .extracting(ChatMember::openId, ChatMember::role, ChatMember::name)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("ou_old", MemberRole.COOWNER, "Old"),
                        org.assertj.core.groups.Tuple.tuple("ou_new", MemberRole.COOWNER, "New"));
        assertThat(chats.members("oc_1").get(0).addedAt()).isEqualTo(oldTime);
        assertThat(chats.members("oc_2")).hasSize(1);
    }

    @Test
    void given_a_configured_chat_when_forgotten_then_config_and_members_are_gone_and_sent_messages_stay() {
        chats.saveConfig(new ChatConfig("oc_1", FilterLevel.VERBOSE, true, "{}", "om_pin", 0));
        chats.putMember("oc_1", "ou_g", "Guest", MemberRole.GUEST);
        chats.recordSent(new SentMessage("om_1", "oc_1", "s1", "message", null, "hi", 0));

        chats.forget("oc_1");

        assertThat(chats.config("oc_1")).isEqualTo(ChatConfig.defaults("oc_1"));
        assertThat(chats.members("oc_1")).isEmpty();
        assertThat(chats.isBotSent("om_1")).isTrue();
    }

    @Test
    void given_messages_the_bot_sent_then_they_are_recognised_and_found_by_id_and_kind() {
        chats.recordSent(new SentMessage("om_1", "oc_1", "s1", "message", "Title", "body", 0));
        clock.advance(Duration.ofSeconds(1));
        chats.recordSent(new SentMessage("om_2", "oc_1", "s1", "working_card", "Working...", "Edit", 0));
        clock.advance(Duration.ofSeconds(1));
        chats.recordSent(new SentMessage("om_3", "oc_1", "s1", "working_card", "Working...", "Bash", 0));

        assertThat(chats.isBotSent("om_1")).isTrue();
        assertThat(chats.isBotSent("om_person")).isFalse();
        assertThat(chats.isBotSent("")).isFalse();
        assertThat(chats.lookupParent("om_1"))
                .hasValueSatisfying(m -> assertThat(m.title()).isEqualTo("Title"));
        assertThat(chats.latestSent("oc_1", "working_card"))
                .hasValueSatisfying(m -> assertThat(m.messageId()).isEqualTo("om_3"));
    }

    @Test
    void given_settings_then_they_are_put_read_and_removed() {
        store.settings().put("generation", "1");
        store.settings().put("generation", "2");

        assertThat(store.settings().get("generation")).hasValue("2");
        assertThat(store.settings().remove("generation")).isTrue();
        assertThat(store.settings().get("generation")).isEmpty();
    }
}
