package dev.larkhandoff.server.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.lark.im.OutgoingMessage;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.workspace.WorkspaceException.Problem;
import dev.larkhandoff.store.chat.FilterLevel;
import dev.larkhandoff.store.chat.MemberRole;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.node.ObjectNode;

/**
 * A group's settings in its pinned config card (building and parsing the card, loading, saving, finding the pin, the
 * fallback when a patch fails) against the emulator and real stores: the settings
 * travel in the pinned {@code __handoff_config__} card from one machine to another, the cache holds for its TTL on an
 * injected clock, a start forces a fresh read, and a failed patch re-pins a new card.
 */
class GroupConfigTest {

    @RegisterExtension
    final WorkspaceLevel world = new WorkspaceLevel();

    private GroupConfig config;
    private EmuChat group;

    @BeforeEach
    void start() {
        config = world.config();
        group = world.workspaceGroup("api@mac");
    }

    private long pinReads() {
        return world.calls("GET", "/open-apis/im/v1/pins");
    }

    @Test
    void given_settings_written_on_one_machine_then_another_machine_reads_them_from_the_pinned_card() {
        EmuUser bob = world.lark.control().addUser("Bob");
        config.setFilter(group.chatId, FilterLevel.VERBOSE);
        config.setAutoapprove(group.chatId, true);
        config.putNorm(group.chatId, "lang", "Answer in English.");
        config.addMembers(group.chatId, List.of(new Person(bob.openId(), "Bob")), MemberRole.COOWNER);

        assertThat(world.pinsOf(group.chatId)).singleElement().satisfies(pin -> {
            String card = world.lark.control().card(pin).toString();
            assertThat(card).contains(ConfigCard.TITLE).contains("```json").contains("\"update_multi\":true");
        });
        assertThat(world.calls("PATCH", "/open-apis/im/v1/messages/"))
                .as("later writes patch the one card")
                .isEqualTo(3);
        try (WorkspaceLevel.Machine other = world.otherMachine()) {
            GroupSettings there = other.config.settings(group.chatId);

            assertThat(there)
                    .isEqualTo(new GroupSettings(
                            group.chatId,
                            FilterLevel.VERBOSE,
                            true,
                            Map.of("lang", "Answer in English."),
                            List.of(new GroupMember(bob.openId(), "Bob", MemberRole.COOWNER))));
            assertThat(other.store.chats().roleOf(group.chatId, bob.openId())).hasValue(MemberRole.COOWNER);
        }
    }

    @Test
    void given_no_config_card_then_the_defaults_apply_and_other_pinned_messages_are_ignored() {
        var bot = world.client().messages();
        String text = bot.sendToChat(group.chatId, OutgoingMessage.text("{\"filter\":\"verbose\"}"))
                .block()
                .messageId();
        ObjectNode otherCard = ServerJson.mapper().createObjectNode();
        otherCard
                .putArray("elements")
                .addObject()
                .put("tag", "div")
                .putObject("text")
                .put("tag", "lark_md")
                .put("content", "```json\n{\"build\": \"green\"}\n```");
        String card = bot.sendToChat(group.chatId, OutgoingMessage.interactive(otherCard))
                .block()
                .messageId();
        world.client().pins().create(text).block();
        world.client().pins().create(card).block();

        assertThat(config.refresh(group.chatId)).isEqualTo(GroupSettings.defaults(group.chatId));
    }

    @Test
    void given_a_fresh_cache_then_lark_is_not_asked_until_the_ttl_passes_and_then_the_card_wins() {
        config.setFilter(group.chatId, FilterLevel.IMPORTANT);
        try (WorkspaceLevel.Machine other = world.otherMachine()) {
            other.config.setFilter(group.chatId, FilterLevel.VERBOSE);
        }
        long reads = pinReads();

        world.clock().advance(WorkspaceLevel.TTL.minusSeconds(1));
        assertThat(config.settings(group.chatId).filter()).isEqualTo(FilterLevel.IMPORTANT);
        assertThat(pinReads()).isEqualTo(reads);

        world.clock().advance(Duration.ofSeconds(1));
        assertThat(config.settings(group.chatId).filter()).isEqualTo(FilterLevel.VERBOSE);
        assertThat(pinReads()).isEqualTo(reads + 1);
        assertThat(config.settings(group.chatId).filter()).as("cached again").isEqualTo(FilterLevel.VERBOSE);
        assertThat(pinReads()).isEqualTo(reads + 1);
    }

    @Test
    void given_a_fresh_cache_when_a_handoff_starts_then_the_settings_are_forced_fresh_from_the_card() {
        config.setAutoapprove(group.chatId, false);
        try (WorkspaceLevel.Machine other = world.otherMachine()) {
            other.config.setAutoapprove(group.chatId, true);
            other.config.putNorm(group.chatId, "tests", "Run the tests before saying done.");
        }

        StartOutcome outcome =
                world.directory().start(world.workspace, StartRequest.of(world.agent("s1"), StartMode.DEFAULT));

        assertThat(outcome).isInstanceOfSatisfying(StartOutcome.Ready.class, ready -> {
            assertThat(ready.settings().autoapprove()).isTrue();
            assertThat(ready.settings().norms()).containsEntry("tests", "Run the tests before saying done.");
        });
        assertThat(config.cachedSettings(group.chatId).autoapprove())
                .as("cache updated")
                .isTrue();
    }

    @Test
    void given_the_pinned_card_can_no_longer_be_patched_when_writing_then_a_new_card_is_sent_and_pinned_instead() {
        config.setFilter(group.chatId, FilterLevel.IMPORTANT);
        String oldPin = world.pinsOf(group.chatId).get(0);
        world.lark
                .control()
                .failNext("PATCH", "/open-apis/im/v1/messages/", 400, 230031, "card is too old to update", 1);

        ConfigWrite<Boolean> write = config.setAutoapprove(group.chatId, true);

        assertThat(write.syncedToGroup()).isTrue();
        assertThat(world.pinsOf(group.chatId)).singleElement().isNotEqualTo(oldPin);
        assertThat(world.message(oldPin).deleted()).as("old card recalled").isTrue();
        try (WorkspaceLevel.Machine other = world.otherMachine()) {
            GroupSettings there = other.config.settings(group.chatId);
            assertThat(there.filter()).isEqualTo(FilterLevel.IMPORTANT);
            assertThat(there.autoapprove()).isTrue();
        }
    }

    @Test
    void given_lark_refuses_the_card_when_writing_then_the_change_holds_here_and_the_reason_is_reported() {
        world.lark.control().failNext("POST", "/open-apis/im/v1/pins", 400, 232099, "pin refused", 1);

        ConfigWrite<FilterLevel> write = config.setFilter(group.chatId, FilterLevel.VERBOSE);

        assertThat(write.syncedToGroup()).isFalse();
        assertThat(write.unsyncedReason()).contains("pin refused");
        assertThat(config.cachedSettings(group.chatId).filter()).isEqualTo(FilterLevel.VERBOSE);
        assertThat(world.pinsOf(group.chatId)).isEmpty();
        assertThat(world.lark.control().botMessages(group.chatId))
                .as("the unpinned card was taken back")
                .allSatisfy(m -> assertThat(m.deleted()).isTrue());

        assertThat(config.setAutoapprove(group.chatId, true).syncedToGroup())
                .as("the next write pins them all")
                .isTrue();
        assertThat(config.refresh(group.chatId).filter()).isEqualTo(FilterLevel.VERBOSE);
    }

    @Test
    void given_norms_then_they_are_added_replaced_removed_and_listed() {
        assertThat(config.putNorm(group.chatId, "lang", "English").change()).isNull();
        assertThat(config.putNorm(group.chatId, "lang", "French").change()).isEqualTo("English");
        config.putNorm(group.chatId, "tone", "Short.");
        long patches = world.calls("PATCH", "/open-apis/im/v1/messages/");

        assertThat(config.removeNorm(group.chatId, "missing").change()).isNull();
        assertThat(world.calls("PATCH", "/open-apis/im/v1/messages/"))
                .as("nothing to write")
                .isEqualTo(patches);
        ConfigWrite<String> removed = config.removeNorm(group.chatId, "lang");

        assertThat(removed.change()).isEqualTo("French");
        assertThat(removed.settings().norms()).containsExactly(Map.entry("tone", "Short."));
        assertThat(config.norms(group.chatId)).containsExactly(Map.entry("tone", "Short."));
    }

    @Test
    void given_an_older_card_with_a_plain_string_rule_then_it_reads_as_the_default_norm_and_adding_keeps_it() {
        ObjectNode legacy = ServerJson.mapper().createObjectNode();
        legacy.putObject("header").putObject("title").put("tag", "plain_text").put("content", ConfigCard.TITLE);
        legacy.putArray("elements")
                .addObject()
                .put("tag", "div")
                .putObject("text")
                .put("tag", "lark_md")
                .put(
                        "content",
                        "```json\n{\"rules\": \"Be kind.\", \"filter\": \"important\", "
                                + "\"guests\": [{\"open_id\": \"ou_g\", \"name\": \"G\"}]}\n```");
        String id = world.client()
                .messages()
                .sendToChat(group.chatId, OutgoingMessage.interactive(legacy))
                .block()
                .messageId();
        world.client().pins().create(id).block();

        GroupSettings read = config.refresh(group.chatId);
        config.putNorm(group.chatId, "tone", "Short.");

        assertThat(read.norms()).containsExactly(Map.entry("default", "Be kind."));
        assertThat(read.filter()).isEqualTo(FilterLevel.IMPORTANT);
        assertThat(read.members()).containsExactly(new GroupMember("ou_g", "G", MemberRole.GUEST));
        assertThat(config.refresh(group.chatId).norms())
                .containsExactly(Map.entry("default", "Be kind."), Map.entry("tone", "Short."));
        assertThat(world.pinsOf(group.chatId))
                .as("the older card is patched, not replaced")
                .containsExactly(id);
    }

    @Test
    void given_card_contents_in_the_shapes_lark_returns_then_each_parses_and_others_do_not() {
        String reshaped = "{\"title\":\"__handoff_config__\",\"elements\":[[{\"tag\":\"text\",\"text\":\"```json\"}],"
                + "[{\"tag\":\"text\",\"text\":\"{\\\"filter\\\":\\\"verbose\\\",\\\"autoapprove\\\":true}\"}],"
                + "[{\"tag\":\"text\",\"text\":\"```\"}]]}";
        String prefixed =
                "{\"elements\":[{\"tag\":\"div\",\"text\":{\"content\":\"json\\n{\\\"filter\\\":\\\"important\\\"}\"}}]}";
        String raw = "{\"elements\":[{\"tag\":\"markdown\",\"content\":\"{\\\"rules\\\":{\\\"a\\\":\\\"b\\\"}}\"}]}";

        assertThat(ConfigCard.parse("oc_1", reshaped)).hasValueSatisfying(s -> {
            assertThat(s.filter()).isEqualTo(FilterLevel.VERBOSE);
            assertThat(s.autoapprove()).isTrue();
        });
        assertThat(ConfigCard.parse("oc_1", prefixed))
                .hasValueSatisfying(s -> assertThat(s.filter()).isEqualTo(FilterLevel.IMPORTANT));
        assertThat(ConfigCard.parse("oc_1", raw))
                .hasValueSatisfying(s -> assertThat(s.norms()).containsEntry("a", "b"));
        assertThat(ConfigCard.parse("oc_1", "not json")).isEmpty();
        assertThat(ConfigCard.parse("oc_1", "{\"elements\":[{\"tag\":\"markdown\",\"content\":\"{\\\"x\\\":1}\"}]}"))
                .isEmpty();
        GroupSettings full = new GroupSettings(
                "oc_1",
                FilterLevel.VERBOSE,
                true,
                Map.of("k", "v"),
                List.of(new GroupMember("ou_1", "Ünïcødé 名前", MemberRole.COOWNER)));
        assertThat(ConfigCard.parse("oc_1", ConfigCard.build(full).toString())).hasValue(full);
        assertThat(ConfigCard.parse(
                        "oc_1", ConfigCard.build(GroupSettings.defaults("oc_1")).toString()))
                .hasValue(GroupSettings.defaults("oc_1"));
    }

    @Test
    void given_bad_arguments_or_a_group_without_the_bot_then_writes_fail_clearly_and_change_nothing() {
        assertThatThrownBy(() -> config.setFilter(group.chatId, "loud"))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.BAD_ARGUMENT))
                .hasMessageContaining("'loud'");
        assertThatThrownBy(() -> config.putNorm(group.chatId, "k", "x".repeat(GroupConfig.MAX_NORM_TEXT + 1)))
                .hasMessageContaining("limit is " + GroupConfig.MAX_NORM_TEXT);
        assertThatThrownBy(() -> config.setAutoapprove("oc_no such", true))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.BAD_LARK_ID));

        EmuChat noBot = world.externalGroup("no bot", world.operator);
        world.lark.control().removeBot(noBot.chatId, world.operator);
        assertThatThrownBy(() -> config.setAutoapprove(noBot.chatId, true))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.BOT_NOT_IN_CHAT));
        assertThat(config.cachedSettings(noBot.chatId).autoapprove()).isFalse();
    }
}
