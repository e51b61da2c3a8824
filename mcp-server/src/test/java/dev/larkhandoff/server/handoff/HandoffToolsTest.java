package dev.larkhandoff.server.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.server.routing.DeliveryTools;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.world.TestWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The handoff tools around the loop, each through the daemon's socket as an agent calls them: relays between
 * groups, members from a message's mentions, settings in the pinned card, sending files, and the workspace admin.
 */
class HandoffToolsTest extends HandoffDaemonTest {

    @TempDir
    Path project;

    @Test
    void a_relay_reaches_the_other_groups_agent_as_a_relay_reply_and_is_shown_in_that_group() throws Exception {
        String mine = agent.start();
        TestWorld.Session other = world.session("other");
        String theirs = other.start();
        assertThat(theirs).isNotEqualTo(mine);
        CompletableFuture<JsonNode> waiting = other.async(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 20));

        agent.ok(HandoffTools.RELAY, Map.of("chat_id", theirs, "message", "the api is deployed"));

        JsonNode relay = waiting.get(20, TimeUnit.SECONDS).path("replies").get(0);
        assertThat(relay.path("msg_type").asString()).isEqualTo("relay");
        assertThat(relay.path("text").asString()).isEqualTo("the api is deployed");
        assertThat(relay.path("from_chat_id").asString()).isEqualTo(mine);
        assertThat(relay.path("from_chat_name").asString())
                .isEqualTo(world.lark().state().chat(mine).orElseThrow().name);
        assertThat(world.awaitBotMessage(theirs, "the api is deployed").content())
                .contains("Relay from");
    }

    @Test
    void members_are_added_from_the_mentions_of_a_message_listed_and_removed_and_a_coowner_is_tagged_coowner()
            throws Exception {
        EmuUser bob = world.control().addUser("Bob");
        EmuUser carol = world.control().addUser("Carol");
        String chat = agent.start();
        world.lark().state().withChat(chat, c -> {
            c.members.add(bob.openId());
            c.members.add(carol.openId());
            return c;
        });
        String ask = world.control()
                .sendText(world.operator(), chat, "add @_user_1 as coowner", bob.openId())
                .messageId();
        agent.ok(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 10));
        agent.ok(HandoffTools.SEND, Map.of("message", "adding Bob"));

        JsonNode added = agent.ok(HandoffTools.MEMBERS, Map.of("action", "add", "message_id", ask, "role", "coowner"));
        assertThat(added.path("members")).singleElement().satisfies(m -> {
            assertThat(m.path("open_id").asString()).isEqualTo(bob.openId());
            assertThat(m.path("role").asString()).isEqualTo("coowner");
        });

        world.control().sendText(bob, chat, "ship it");
        assertThat(agent.ok(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 10))
                        .path("replies")
                        .get(0)
                        .path("privilege")
                        .asString())
                .isEqualTo("coowner");
        agent.ok(HandoffTools.SEND, Map.of("message", "shipping"));

        JsonNode removed =
                agent.ok(HandoffTools.MEMBERS, Map.of("action", "remove", "open_ids", List.of(bob.openId())));
        assertThat(removed.path("members")).isEmpty();
        world.control().sendText(bob, chat, "and now?");
        assertThat(agent.ok(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 1))
                        .path("timeout")
                        .asBoolean())
                .as("a removed coowner no longer reaches the agent")
                .isTrue();
    }

    @Test
    void settings_are_written_to_the_pinned_config_card_and_read_back() {
        String chat = agent.start();
        JsonNode set = agent.ok(
                HandoffTools.SETTINGS,
                Map.of("filter", "verbose", "autoapprove", true, "norm_key", "lang", "norm_text", "answer in English"));
        assertThat(set.path("settings").path("filter").asString()).isEqualTo("verbose");
        assertThat(set.path("settings").path("autoapprove").asBoolean()).isTrue();
        assertThat(set.path("settings").path("norms").path("lang").asString()).isEqualTo("answer in English");
        assertThat(set.has("warning")).as("synced to the group").isFalse();

        EmuMessage card = world.awaitBotMessage(chat, "__handoff_config__");
        assertThat(card.content()).contains("verbose", "answer in English");

        JsonNode removed = agent.ok(HandoffTools.SETTINGS, Map.of("norm_key", "lang", "remove_norm", true));
        assertThat(removed.path("settings").path("norms").isEmpty()).isTrue();
        assertThat(agent.call(HandoffTools.SETTINGS, Map.of("filter", "chatty")).isError())
                .isTrue();
    }

    @Test
    void a_local_image_and_file_are_uploaded_and_posted_to_the_group() throws Exception {
        String chat = agent.start();
        Path png = Files.write(project.resolve("shot.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Path log = Files.writeString(project.resolve("build.log"), "BUILD SUCCESS\n");

        agent.ok(HandoffTools.SEND_FILE, Map.of("path", png.toString(), "as_image", true));
        agent.ok(HandoffTools.SEND_FILE, Map.of("path", log.toString()));

        assertThat(world.control().botMessages(chat))
                .extracting(EmuMessage::msgType)
                .contains("image", "file");
        ToolResult missing = agent.call(
                HandoffTools.SEND_FILE,
                Map.of("path", project.resolve("nope.txt").toString()));
        assertThat(missing.isError()).isTrue();
        assertThat(missing.text()).contains("no such file");
    }

    @Test
    void status_lists_groups_active_and_idle_and_clear_needs_confirm_then_dissolves_the_workspace_and_ends_waits()
            throws Exception {
        String first = agent.start();
        TestWorld.Session other = world.session("other");
        String second = other.start();
        other.ok(HandoffTools.END, Map.of());

        JsonNode status = agent.ok(HandoffTools.STATUS, Map.of());
        assertThat(status.path("chat_id").asString()).isEqualTo(first);
        assertThat(status.path("groups")).hasSize(2);
        assertThat(status.path("text").asString()).contains("[current] (active)", "(idle)");

        JsonNode mine = agent.ok(HandoffTools.GROUPS, Map.of("action", "list"));
        assertThat(mine.path("groups").findValuesAsString("chat_id")).contains(first, second);

        ToolResult unconfirmed = agent.call(HandoffTools.GROUPS, Map.of("action", "clear"));
        assertThat(unconfirmed.isError()).isTrue();
        assertThat(world.lark().state().chat(first)).isPresent();

        CompletableFuture<JsonNode> waiting = agent.async(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 20));
        JsonNode cleared = other.ok(HandoffTools.GROUPS, Map.of("action", "clear", "confirm", true));
        assertThat(cleared.path("dissolved").findValuesAsString("chat_id")).containsExactlyInAnyOrder(first, second);
        assertThat(world.lark().state().chat(first)).isEmpty();
        assertThat(waiting.get(20, TimeUnit.SECONDS).path("takeover").asBoolean())
                .as("the holder of a dissolved group stops quietly")
                .isTrue();
    }

    @Test
    void empty_groups_are_found_and_dissolved() {
        var empty = world.lark().state().createChat("forgotten@laptop", "workspace:old", "group");
        world.lark().state().withChat(empty.chatId, c -> {
            c.ownerId = world.lark().app().appId();
            c.ownerIdType = "app_id";
            c.botAppIds.add(world.lark().app().appId());
            return c;
        });
        assertThat(agent.ok(HandoffTools.GROUPS, Map.of("action", "list_empty"))
                        .path("groups")
                        .findValuesAsString("chat_id"))
                .containsExactly(empty.chatId);
        agent.ok(HandoffTools.GROUPS, Map.of("action", "dissolve_empty"));
        assertThat(world.lark().state().chat(empty.chatId)).isEmpty();
    }
}
