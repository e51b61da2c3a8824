package dev.larkhandoff.server.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.server.routing.DeliveryTools;
import dev.larkhandoff.server.tool.ToolResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Bad input to the handoff tools: each is an {@code isError} result that names the problem, and nothing is left
 * half done (no group created and left behind, no card sent, no file written outside the downloads folder).
 */
class HandoffBadInputTest extends HandoffDaemonTest {

    @Test
    void a_chat_id_that_does_not_match_larks_pattern_is_refused_before_lark_is_asked() {
        long calls = world.control().calls().size();
        ToolResult sidecar = agent.call(HandoffTools.START, Map.of("sidecar_chat_id", "chat-123"));
        ToolResult takeover = agent.call(HandoffTools.START, Map.of("takeover_chat_id", "oc_../../x"));
        assertThat(sidecar.isError()).isTrue();
        assertThat(sidecar.text()).contains("\"chat-123\" is not a Lark chat id");
        assertThat(takeover.isError()).isTrue();
        assertThat(takeover.text()).contains("is not a Lark chat id");
        assertThat(world.control().calls().stream()
                        .filter(c -> c.path().contains("/chats"))
                        .count())
                .as("no chat call was made")
                .isEqualTo(world.control().calls().stream()
                        .limit(calls)
                        .filter(c -> c.path().contains("/chats"))
                        .count());
    }

    @Test
    void an_unknown_chat_id_is_an_error_that_says_lark_knows_no_such_chat() {
        ToolResult r = agent.call(HandoffTools.START, Map.of("sidecar_chat_id", "oc_00000000000000000000000000000000"));
        assertThat(r.isError()).isTrue();
        assertThat(r.text()).contains("oc_00000000000000000000000000000000");
        assertThat(agent.ok(HandoffTools.STATUS, Map.of()).has("chat_id"))
                .as("nothing bound")
                .isFalse();
    }

    @Test
    void a_group_the_bot_is_not_in_is_an_error_that_says_to_add_the_bot() {
        EmuChat without = world.lark().state().createChat("no bot here", "", "group");
        world.lark().state().withChat(without.chatId, c -> {
            c.members.add(world.operator().openId());
            return c;
        });
        ToolResult r = agent.call(HandoffTools.START, Map.of("sidecar_chat_id", without.chatId));
        assertThat(r.isError()).isTrue();
        assertThat(r.text()).containsIgnoringCase("bot").contains(without.chatId);
    }

    @Test
    void a_new_group_that_cannot_be_set_up_is_dissolved_and_the_error_says_so() {
        world.control().failNext("POST", "/open-apis/im/v1/chats/", 400, 232004, "no permission to add members", 1);
        ToolResult r = agent.call(HandoffTools.START, Map.of("mode", "new"));
        assertThat(r.isError()).isTrue();
        assertThat(r.text()).contains("232004", "the group was dissolved");
        assertThat(world.lark().state().chats())
                .as("no group left behind")
                .noneMatch(c -> c.name != null && c.name.contains("@"));
        assertThat(agent.ok(HandoffTools.STATUS, Map.of()).has("chat_id")).isFalse();
    }

    @Test
    void a_lark_refusal_of_a_send_is_an_error_with_larks_code_and_the_handoff_goes_on() {
        String chat = agent.start();
        world.control().failNext("POST", "/open-apis/im/v1/messages", 400, 230027, "lack of permission", 1);
        ToolResult r = agent.call(HandoffTools.SEND, Map.of("message", "refused"));
        assertThat(r.isError()).isTrue();
        assertThat(r.text()).contains("230027");
        assertThat(agent.ok(HandoffTools.SEND, Map.of("message", "accepted"))
                        .path("sent")
                        .asBoolean())
                .isTrue();
        assertThat(world.awaitBotMessage(chat, "accepted")).isNotNull();
    }

    @Test
    void an_oversized_card_is_refused_and_nothing_is_sent() {
        String chat = agent.start();
        int before = world.control().botMessages(chat).size();
        ToolResult r = agent.call(HandoffTools.SEND, Map.of("message", "x".repeat(40_000)));
        assertThat(r.isError()).isTrue();
        assertThat(r.text()).contains("28000-byte limit");
        assertThat(world.control().botMessages(chat)).hasSize(before);
    }

    @Test
    void a_file_name_with_a_directory_is_refused_and_nothing_is_written() throws Exception {
        String chat = agent.start();
        String msg = world.control()
                .sendFile(world.operator(), chat, "secret".getBytes(), "notes.txt")
                .messageId();
        String fileKey = agent.ok(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 10))
                .path("replies")
                .get(0)
                .path("file_key")
                .asString();
        ToolResult r = agent.call(
                HandoffTools.DOWNLOAD, Map.of("message_id", msg, "file_key", fileKey, "file_name", "../../.bashrc"));
        assertThat(r.isError()).isTrue();
        assertThat(r.text()).contains("must be a bare file name");
        assertThat(world.home().resolve(".bashrc")).doesNotExist();
        assertThat(world.home().resolve("downloads"))
                .satisfiesAnyOf(
                        d -> assertThat(d).doesNotExist(),
                        d -> assertThat(Files.list(d)).isEmpty());
    }

    @Test
    void dissolving_an_external_group_is_refused_before_anything_changes() {
        var bob = world.control().addUser("Bob");
        var carol = world.control().addUser("Carol");
        var team = world.control().createGroup("team room", world.operator(), bob, carol);
        agent.ok(HandoffTools.START, Map.of("sidecar_chat_id", team.chatId));
        ToolResult r = agent.call(HandoffTools.END, Map.of("dissolve", true));
        assertThat(r.isError()).isTrue();
        assertThat(r.text()).contains("not a handoff group");
        assertThat(world.lark().state().chat(team.chatId).orElseThrow().members)
                .contains(world.operator().openId());
        assertThat(agent.ok(HandoffTools.STATUS, Map.of()).path("chat_id").asString())
                .isEqualTo(team.chatId);
    }

    @Test
    void sending_lark_handoffs_own_files_or_a_relative_path_is_refused() throws Exception {
        agent.start();
        ToolResult config = agent.call(
                HandoffTools.SEND_FILE,
                Map.of("path", world.home().resolve("config.json").toString()));
        assertThat(config.isError()).isTrue();
        assertThat(config.text()).contains("lark-handoff's own files");
        Path link = Files.createSymbolicLink(
                world.home().resolveSibling(world.home().getFileName() + "-link.json"),
                world.home().resolve("config.json"));
        try {
            assertThat(agent.call(HandoffTools.SEND_FILE, Map.of("path", link.toString()))
                            .text())
                    .contains("lark-handoff's own files");
        } finally {
            Files.deleteIfExists(link);
        }
        assertThat(agent.call(HandoffTools.SEND_FILE, Map.of("path", "config.json"))
                        .text())
                .contains("path must be absolute");
    }

    @Test
    void media_of_another_chat_are_refused() {
        var elsewhere = world.control().createGroup("elsewhere", world.operator());
        String foreign = world.control()
                .sendFile(world.operator(), elsewhere.chatId, "x".getBytes(), "x.txt")
                .messageId();
        agent.start();
        ToolResult r = agent.call(HandoffTools.DOWNLOAD, Map.of("message_id", foreign, "file_key", "file_v2_abc"));
        assertThat(r.isError()).isTrue();
        assertThat(r.text()).contains("is not a message of this handoff's chat");
    }

    @Test
    void malformed_arguments_are_named() {
        agent.start();
        assertThat(agent.call(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 99_999))
                        .text())
                .contains("timeout_seconds");
        assertThat(agent.call(HandoffTools.SEND_AND_WAIT, Map.of("message", "q", "timeout_seconds", "soon"))
                        .text())
                .contains("timeout_seconds must be a whole number");
        assertThat(agent.call(
                                HandoffTools.SEND,
                                Map.of("message", "q", "fields", List.of(Map.of("type", "slider", "name", "x"))))
                        .text())
                .contains("'slider' is not one of");
        assertThat(agent.call(HandoffTools.SEND, Map.of("message", "q", "color", "mauve"))
                        .text())
                .contains("color 'mauve'");
        assertThat(agent.call(HandoffTools.MESSAGE, Map.of("message_id", "12345"))
                        .text())
                .contains("not a Lark message id");
        assertThat(agent.call(HandoffTools.RELAY, Map.of("chat_id", "oc_abc", "message", "hi"))
                        .text())
                .contains("no active handoff");
        assertThat(agent.call(HandoffTools.GROUPS, Map.of("action", "clear")).text())
                .containsIgnoringCase("confirm");
        assertThat(agent.call(HandoffTools.START, Map.of("mode", "sometimes")).text())
                .contains("mode 'sometimes' is not one of");
    }
}
