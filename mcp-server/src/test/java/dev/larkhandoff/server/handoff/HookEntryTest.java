package dev.larkhandoff.server.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.routing.DeliveryTools;
import dev.larkhandoff.server.world.ChildJvm;
import dev.larkhandoff.testing.Eventually;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Claude Code's hooks through the real entry point (permission requests, notifications
 * and the start/end hooks): the permission bridge, the Stop flag, tool forwarding and the session's own events: Claude Code's documented hook input
 * JSON is fed on stdin to a {@code lark-handoff hook <Event>} child process, which asks the running daemon; the
 * emulator plays the operator (Olivia) and a guest (Gina); the exact JSON printed is checked.
 */
class HookEntryTest extends HandoffDaemonTest {

    /** A PermissionRequest as Claude Code documents it, with a suggestion for "always". */
    private static final String BASH_REQUEST = """
            {"session_id": "c0ffee", "transcript_path": "/tmp/t.jsonl", "cwd": "/tmp",
             "hook_event_name": "PermissionRequest", "permission_mode": "default",
             "tool_name": "Bash",
             "tool_input": {"command": "rm -rf build", "description": "Remove the build directory"},
             "permission_suggestions": [{"type": "addRules", "rules": [{"toolName": "Bash", "ruleContent": "rm -rf build"}],
                                         "behavior": "allow", "destination": "localSettings"}]}
            """;

    String chat;

    @Test
    void an_approve_click_allows() throws Exception {
        chat = agent.start();
        CompletableFuture<String> hook = hook("PermissionRequest", BASH_REQUEST);
        EmuMessage card = world.awaitBotMessage(chat, "Permission Request");
        assertThat(card.content()).contains("Remove the build directory", "rm -rf build");

        EmulatorControl.CardCallback click = world.control().clickButton(world.operator(), card.messageId(), "Approve");

        assertThat(click.toast()).isEqualTo("Approved");
        assertThat(json(hook.get(30, TimeUnit.SECONDS))).isEqualTo(json("""
                {"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}"""));
        assertThat(world.control().message(card.messageId()).orElseThrow().content())
                .contains("Approved ✓");
    }

    @Test
    void always_allows_with_the_suggestions_as_updated_permissions() throws Exception {
        chat = agent.start();
        CompletableFuture<String> hook = hook("PermissionRequest", BASH_REQUEST);
        EmuMessage card = world.awaitBotMessage(chat, "Permission Request");

        world.control().clickButton(world.operator(), card.messageId(), "Approve All");

        JsonNode out = json(hook.get(30, TimeUnit.SECONDS));
        assertThat(out.path("hookSpecificOutput")
                        .path("decision")
                        .path("behavior")
                        .asString())
                .isEqualTo("allow");
        assertThat(out.path("hookSpecificOutput").path("decision").path("updatedPermissions"))
                .isEqualTo(json(BASH_REQUEST).path("permission_suggestions"));
    }

    @Test
    void a_deny_click_denies_with_the_denial_message() throws Exception {
        chat = agent.start();
        CompletableFuture<String> hook = hook("PermissionRequest", BASH_REQUEST);
        EmuMessage card = world.awaitBotMessage(chat, "Permission Request");

        world.control().clickButton(world.operator(), card.messageId(), "Deny");

        assertThat(json(hook.get(30, TimeUnit.SECONDS))).isEqualTo(json("""
                {"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":
                 {"behavior":"deny","message":"Permission to use Bash was denied via Lark."}}}"""));
        assertThat(world.control().message(card.messageId()).orElseThrow().content())
                .contains("Denied ✗");
    }

    @Test
    void a_guests_click_is_ignored_and_told_so_and_the_operators_typed_yes_decides_without_reaching_the_agent()
            throws Exception {
        EmuUser guest = world.control().addUser("Gina");
        chat = agent.start();
        world.lark().state().withChat(chat, c -> {
            c.members.add(guest.openId());
            return c;
        });
        agent.ok(HandoffTools.MEMBERS, Map.of("action", "add", "open_ids", List.of(guest.openId())));
        CompletableFuture<String> hook = hook("PermissionRequest", BASH_REQUEST);
        EmuMessage card = world.awaitBotMessage(chat, "Permission Request");

        EmulatorControl.CardCallback byGuest = world.control().clickButton(guest, card.messageId(), "Approve");
        assertThat(byGuest.toast()).isEqualTo("Only the operator or coowners can decide");
        world.control().sendText(guest, chat, "y").awaitAcks(Duration.ofSeconds(15));
        Thread.sleep(300);
        assertThat(hook)
                .as("neither the guest's click nor their typed y decides")
                .isNotDone();

        world.control().sendText(world.operator(), chat, " Yes ").awaitAcks(Duration.ofSeconds(15));

        assertThat(json(hook.get(30, TimeUnit.SECONDS))
                        .path("hookSpecificOutput")
                        .path("decision")
                        .path("behavior")
                        .asString())
                .isEqualTo("allow");
        JsonNode replies = agent.ok(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 2))
                .path("replies");
        assertThat(replies.findValuesAsString("text"))
                .as("the operator's answer was for the prompt, not the agent")
                .doesNotContain("Yes", " Yes ");
    }

    @Test
    void a_click_whose_value_forges_a_stranger_as_approver_is_ignored_and_the_operators_click_still_decides()
            throws Exception {
        EmuUser stranger = world.control().addUser("Sam");
        chat = agent.start();
        CompletableFuture<String> hook = hook("PermissionRequest", BASH_REQUEST);
        EmuMessage card = world.awaitBotMessage(chat, "Permission Request");

        EmulatorControl.CardCallback forged = world.control()
                .interact(stranger, card.messageId(), forgedClick(card.messageId(), "Approve", stranger));

        assertThat(forged.toast()).isEqualTo("Only the operator or coowners can decide");
        Thread.sleep(300);
        assertThat(hook).as("the stranger's click decides nothing").isNotDone();
        assertThat(world.control().message(card.messageId()).orElseThrow().content())
                .doesNotContain("Approved ✓");

        world.control().clickButton(world.operator(), card.messageId(), "Deny");

        assertThat(json(hook.get(30, TimeUnit.SECONDS))
                        .path("hookSpecificOutput")
                        .path("decision")
                        .path("behavior")
                        .asString())
                .isEqualTo("deny");
    }

    @Test
    void a_stop_click_whose_value_forges_a_stranger_as_approver_does_not_stop_the_agent() throws Exception {
        EmuUser stranger = world.control().addUser("Sam");
        chat = agent.start();
        String pre = "{\"session_id\":\"c0ffee\",\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\","
                + "\"tool_input\":{\"command\":\"make\"},\"tool_use_id\":\"t1\"}";
        String card = agent.ok(HandoffTools.SEND, Map.of("message", "Building", "working", true))
                .path("working_card")
                .asString();

        EmulatorControl.CardCallback forged =
                world.control().interact(stranger, card, forgedClick(card, "Stop", stranger));

        assertThat(forged.toast()).isEqualTo("Only the owner or coowners can stop");
        assertThat(hook("PreToolUse", pre).get(30, TimeUnit.SECONDS))
                .as("not stopped")
                .isBlank();
        world.control().clickButton(world.operator(), card, "Stop");
        assertThat(hook("PreToolUse", pre).get(30, TimeUnit.SECONDS)).contains("Stopped by user from Lark");
    }

    /** A click on the button labelled {@code label} whose value claims {@code who} is the only approver. */
    private ObjectNode forgedClick(String messageId, String label, EmuUser who) {
        JsonNode button = findButton(world.control().card(messageId), label);
        JsonNode callback = button.path("value");
        for (JsonNode b : button.path("behaviors")) {
            if ("callback".equals(b.path("type").asString(""))) {
                callback = b.path("value");
            }
        }
        ObjectNode value = ((ObjectNode) callback).deepCopy();
        value.putArray("approvers").add(who.openId());
        ObjectNode action = ServerJson.mapper().createObjectNode();
        action.set("value", value);
        action.put("tag", "button");
        return action;
    }

    private static JsonNode findButton(JsonNode node, String label) {
        if (node.isObject()
                && "button".equals(node.path("tag").asString(""))
                && label.equals(node.path("text").path("content").asString(""))) {
            return node;
        }
        for (JsonNode child : node) {
            if (child.isContainer()) {
                JsonNode found = findButton(child, label);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    @Test
    void with_autoapprove_on_the_request_is_allowed_at_once_and_noted_on_one_card() throws Exception {
        chat = agent.start();
        agent.ok(HandoffTools.SETTINGS, Map.of("autoapprove", true));

        String first = hook("PermissionRequest", BASH_REQUEST).get(30, TimeUnit.SECONDS);
        String second = hook("PermissionRequest", BASH_REQUEST.replace("Remove the build directory", "List the files"))
                .get(30, TimeUnit.SECONDS);

        assertThat(json(first)
                        .path("hookSpecificOutput")
                        .path("decision")
                        .path("behavior")
                        .asString())
                .isEqualTo("allow");
        assertThat(json(second)
                        .path("hookSpecificOutput")
                        .path("decision")
                        .path("behavior")
                        .asString())
                .isEqualTo("allow");
        List<EmuMessage> auto = world.control().botMessages(chat).stream()
                .filter(m -> m.content().contains("Auto-approved"))
                .toList();
        assertThat(auto).as("one card, updated in place").hasSize(1);
        assertThat(auto.get(0).content()).contains("Remove the build directory", "List the files");
    }

    @Test
    void no_answer_within_the_timeout_denies() throws Exception {
        world.startDaemon(Duration.ofSeconds(2));
        agent = world.session("agent");
        chat = agent.start();

        String out = hook("PermissionRequest", BASH_REQUEST).get(30, TimeUnit.SECONDS);

        assertThat(json(out)
                        .path("hookSpecificOutput")
                        .path("decision")
                        .path("message")
                        .asString())
                .isEqualTo("Permission to use Bash was denied via Lark. (no answer within 2 s)");
    }

    @Test
    void a_request_withdrawn_by_its_client_prints_nothing_and_its_card_says_it_was_answered_in_the_terminal()
            throws Exception {
        chat = agent.start();
        CompletableFuture<String> hook = hook(
                "PermissionRequest",
                BASH_REQUEST.replace(
                        "\"session_id\": \"c0ffee\",", "\"session_id\": \"c0ffee\", \"request_id\": \"per_1\","));
        EmuMessage card = world.awaitBotMessage(chat, "Permission Request");

        assertThat(hook("PermissionWithdrawn", "{\"request_id\": \"per_1\"}").get(30, TimeUnit.SECONDS))
                .isBlank();

        assertThat(hook.get(30, TimeUnit.SECONDS))
                .as("the client decided already: nothing to say")
                .isBlank();
        Eventually.await(
                () -> world.control()
                        .message(card.messageId())
                        .orElseThrow()
                        .content()
                        .contains("Answered in the terminal"),
                "the card marked as answered in the terminal");
    }

    @Test
    void a_request_withdrawn_before_it_reached_the_daemon_posts_no_card_and_prints_nothing() throws Exception {
        chat = agent.start();
        assertThat(hook("PermissionWithdrawn", "{\"request_id\": \"per_2\"}").get(30, TimeUnit.SECONDS))
                .isBlank();

        String answer = hook(
                        "PermissionRequest",
                        BASH_REQUEST.replace(
                                "\"session_id\": \"c0ffee\",",
                                "\"session_id\": \"c0ffee\", \"request_id\": \"per_2\","))
                .get(30, TimeUnit.SECONDS);

        assertThat(answer).isBlank();
        assertThat(world.control().botMessages(chat)).noneMatch(m -> m.content().contains("Permission Request"));
    }

    @Test
    void without_an_active_handoff_nothing_is_printed_so_the_terminal_prompt_shows() throws Exception {
        assertThat(hook("PermissionRequest", BASH_REQUEST).get(30, TimeUnit.SECONDS))
                .isBlank();
        assertThat(hook("PreToolUse", "{\"session_id\":\"c0ffee\",\"tool_name\":\"Bash\",\"tool_input\":{}}")
                        .get(30, TimeUnit.SECONDS))
                .isBlank();
    }

    @Test
    void pre_tool_use_is_denied_while_stop_is_pressed_and_allowed_again_after_the_agents_next_message()
            throws Exception {
        chat = agent.start();
        String pre = "{\"session_id\":\"c0ffee\",\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\","
                + "\"tool_input\":{\"command\":\"make\"},\"tool_use_id\":\"t1\"}";
        assertThat(hook("PreToolUse", pre).get(30, TimeUnit.SECONDS)).isBlank();
        String card = agent.ok(HandoffTools.SEND, Map.of("message", "Building", "working", true))
                .path("working_card")
                .asString();
        world.control().clickButton(world.operator(), card, "Stop");

        assertThat(json(hook("PreToolUse", pre).get(30, TimeUnit.SECONDS))).isEqualTo(json("""
                {"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny",
                 "permissionDecisionReason":"Stopped by user from Lark. The user pressed Stop on the working card."}}"""));
        String own = pre.replace("\"Bash\"", "\"mcp__plugin_lark-handoff_lark-handoff__handoff_send\"");
        assertThat(hook("PreToolUse", own).get(30, TimeUnit.SECONDS))
                .as("the handoff's own tools stay allowed, so the agent can say it stopped")
                .isBlank();
        agent.ok(HandoffTools.SEND, Map.of("message", "Stopped."));
        assertThat(hook("PreToolUse", pre).get(30, TimeUnit.SECONDS)).isBlank();
    }

    @Test
    void post_tool_use_puts_a_filtered_call_on_the_working_card_and_shows_it_in_verbose() throws Exception {
        chat = agent.start();
        String post = "{\"session_id\":\"c0ffee\",\"hook_event_name\":\"PostToolUse\",\"tool_name\":\"Bash\","
                + "\"tool_input\":{\"command\":\"mvn -q test\",\"description\":\"Run the tests\"},"
                + "\"tool_response\":{\"stdout\":\"Tests run: 3\",\"stderr\":\"\"},\"tool_use_id\":\"t1\"}";

        assertThat(hook("PostToolUse", post).get(30, TimeUnit.SECONDS))
                .as("answered at once, nothing to say")
                .isBlank();
        EmuMessage working = world.awaitBotMessage(chat, "Run the tests");
        assertThat(working.content()).as("concise: the working card").contains("Stop");

        agent.ok(HandoffTools.SETTINGS, Map.of("filter", "verbose"));
        hook("PostToolUse", post.replace("Tests run: 3", "Tests run: 4")).get(30, TimeUnit.SECONDS);
        EmuMessage shown = world.awaitBotMessage(chat, "Tests run: 4");
        assertThat(shown.content()).contains("$ Run the tests");
    }

    @Test
    void session_start_tells_a_resumed_session_its_handoff_is_active_and_how_to_go_on() throws Exception {
        String start = "{\"session_id\":\"c0ffee\",\"hook_event_name\":\"SessionStart\",\"source\":\"resume\"}";
        assertThat(hook("SessionStart", start).get(30, TimeUnit.SECONDS))
                .as("no handoff: nothing")
                .isBlank();
        chat = agent.start();

        JsonNode out = json(hook("SessionStart", start).get(30, TimeUnit.SECONDS));

        assertThat(out.path("hookSpecificOutput").path("hookEventName").asString())
                .isEqualTo("SessionStart");
        assertThat(out.path("hookSpecificOutput").path("additionalContext").asString())
                .startsWith("[Handoff active]")
                .contains(chat, "wait_for_reply", "send_and_wait");
    }

    @Test
    void session_end_posts_the_card_and_ends_the_handoff() throws Exception {
        chat = agent.start();
        hook("SessionEnd", "{\"session_id\":\"c0ffee\",\"hook_event_name\":\"SessionEnd\",\"reason\":\"other\"}")
                .get(30, TimeUnit.SECONDS);
        assertThat(world.awaitBotMessage(chat, "Session Ended")).isNotNull();
        assertThat(agent.ok(HandoffTools.STATUS, Map.of()).has("chat_id"))
                .as("the handoff ended")
                .isFalse();
    }

    @Test
    void notifications_worth_attention_and_compaction_post_cards_and_idle_prompts_do_not() throws Exception {
        chat = agent.start();
        hook(
                        "Notification",
                        "{\"session_id\":\"c0ffee\",\"hook_event_name\":\"Notification\","
                                + "\"notification_type\":\"idle_prompt\",\"message\":\"Claude is waiting for your input\"}")
                .get(30, TimeUnit.SECONDS);
        hook(
                        "Notification",
                        "{\"session_id\":\"c0ffee\",\"hook_event_name\":\"Notification\","
                                + "\"notification_type\":\"rate_limit\",\"message\":\"Rate limited for 5 minutes\"}")
                .get(30, TimeUnit.SECONDS);
        hook("PreCompact", "{\"session_id\":\"c0ffee\",\"hook_event_name\":\"PreCompact\",\"trigger\":\"auto\"}")
                .get(30, TimeUnit.SECONDS);

        assertThat(world.awaitBotMessage(chat, "Rate limited for 5 minutes").content())
                .contains("orange");
        assertThat(world.awaitBotMessage(chat, "Context compacting...").content())
                .contains("Auto-compacting conversation history");
        assertThat(world.control().botMessages(chat)).noneMatch(m -> m.content().contains("waiting for your input"));
    }

    /** Runs {@code lark-handoff hook <event>} as Claude Code would: the input on stdin, the session's environment. */
    private CompletableFuture<String> hook(String event, String input) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                ProcessBuilder pb = new ProcessBuilder(ChildJvm.command("hook", event));
                pb.environment().put("LARK_HANDOFF_HOME", world.home().toString());
                pb.environment().put("LARK_HANDOFF_SESSION_ID", "agent");
                pb.redirectError(ProcessBuilder.Redirect.INHERIT);
                Process p = pb.start();
                p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).as("a hook never fails the session").isZero();
                return out;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    private static JsonNode json(String s) {
        return ServerJson.mapper().readTree(s);
    }
}
