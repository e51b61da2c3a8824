package dev.larkhandoff.server.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.routing.DeliveryTools;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.world.TestWorld;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The reply loop and the start / end sequence through the daemon's tools, in nested groups: sending and waiting
 * (SendAndWait), a wait's results and their return after a crash (WaitForReply), start and end (StartAndEnd), and
 * the working card and Stop flag (WorkingCardAndStop). The filter chain is in {@link ReplyFiltersTest}.
 */
class HandoffLoopTest extends HandoffDaemonTest {

    /** Until the daemon acknowledged an event to Lark, which it does once the event is stored. */
    static final java.time.Duration STORED = java.time.Duration.ofSeconds(15);

    @Nested
    class SendAndWait {

        @Test
        void no_active_session_is_an_error_that_says_to_start() {
            ToolResult r = agent.call(HandoffTools.SEND_AND_WAIT, Map.of("message", "hello?"));
            assertThat(r.isError()).isTrue();
            assertThat(r.text()).contains("no active handoff", "handoff_start");
        }

        @Test
        void the_message_is_sent_then_a_quiet_chat_answers_timeout() {
            String chat = agent.start();
            JsonNode r = agent.ok(
                    HandoffTools.SEND_AND_WAIT, Map.of("message", "done, anything else?", "timeout_seconds", 1));
            assertThat(r.path("timeout").asBoolean()).isTrue();
            assertThat(world.awaitBotMessage(chat, "done, anything else?")).isNotNull();
        }

        @Test
        void a_takeover_while_waiting_answers_takeover() throws Exception {
            String chat = agent.start();
            CompletableFuture<JsonNode> waiting =
                    agent.async(HandoffTools.SEND_AND_WAIT, Map.of("message", "working on it", "timeout_seconds", 30));
            world.awaitBotMessage(chat, "working on it");
            TestWorld.Session other = world.session("other");
            other.ok(HandoffTools.START, Map.of("takeover_chat_id", chat));
            assertThat(waiting.get(20, TimeUnit.SECONDS).path("takeover").asBoolean())
                    .isTrue();
        }

        @Test
        void replies_come_back_with_their_fields_and_the_answer_mentions_the_operator_where_the_bot_must_be_mentioned()
                throws Exception {
            EmuUser bob = world.control().addUser("Bob");
            EmuUser carol = world.control().addUser("Carol");
            var team = world.control().createGroup("team", world.operator(), bob, carol);
            agent.ok(HandoffTools.START, Map.of("sidecar_chat_id", team.chatId));
            CompletableFuture<JsonNode> waiting =
                    agent.async(HandoffTools.SEND_AND_WAIT, Map.of("message", "which branch?", "timeout_seconds", 30));
            EmuMessage question = world.awaitBotMessage(team.chatId, "which branch?");
            assertThat(question.content()).contains("<at id=" + world.operator().openId() + ">");
            world.control()
                    .sendTextReply(
                            world.operator(),
                            team.chatId,
                            "main",
                            new EmulatorControl.Reply(question.messageId(), false));
            JsonNode reply = waiting.get(20, TimeUnit.SECONDS).path("replies").get(0);
            assertThat(reply.path("text").asString()).isEqualTo("main");
            assertThat(reply.path("parent_id").asString()).isEqualTo(question.messageId());
            assertThat(reply.path("privilege").asString()).isEqualTo("owner");
            assertThat(reply.path("create_time").asString()).matches("\\d{13}");
            assertThat(reply.has("message_id")).isTrue();

            agent.ok(HandoffTools.SEND, Map.of("message", "progress note"));
            assertThat(world.awaitBotMessage(team.chatId, "progress note").content())
                    .as("a progress note pings nobody")
                    .doesNotContain("<at id=");
        }

        @Test
        void one_choice_is_refused_and_nothing_is_sent() {
            String chat = agent.start();
            int before = world.control().botMessages(chat).size();
            ToolResult r = agent.call(HandoffTools.SEND_AND_WAIT, Map.of("message", "ok?", "choices", List.of("Yes")));
            assertThat(r.isError()).isTrue();
            assertThat(r.text()).contains("one choice is no choice");
            assertThat(world.control().botMessages(chat)).hasSize(before);
        }
    }

    @Nested
    class WaitForReply {

        @Test
        void handle_result_puts_thinking_on_the_last_reply_and_the_next_send_takes_it_off() {
            String chat = agent.start();
            world.control().sendText(world.operator(), chat, "first").awaitAcks(STORED);
            var second = world.control().sendText(world.operator(), chat, "second");
            second.awaitAcks(STORED);
            String last = second.messageId();
            JsonNode r = agent.ok(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 10));
            assertThat(r.path("replies").findValuesAsString("text")).containsExactly("first", "second");
            assertThat(world.reactions(last)).containsExactly("THINKING");

            agent.ok(HandoffTools.SEND, Map.of("message", "on it"));
            dev.larkhandoff.testing.Eventually.await(
                    () -> world.reactions(last).isEmpty(), "THINKING to come off after the card");
        }

        @Test
        void an_unanswered_reply_is_returned_again_by_the_next_wait_on_any_connection_until_the_agent_answers()
                throws Exception {
            String chat = agent.start();
            world.control().sendText(world.operator(), chat, "keep me");
            assertThat(agent.ok(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 10))
                            .path("replies")
                            .get(0)
                            .path("text")
                            .asString())
                    .isEqualTo("keep me");

            agent.client().close();
            TestWorld.Session again = world.session("agent");
            assertThat(again.ok(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 10))
                            .path("replies")
                            .get(0)
                            .path("text")
                            .asString())
                    .isEqualTo("keep me");
            world.control().sendText(world.operator(), chat, "and me").awaitAcks(STORED);
            assertThat(again.ok(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 10))
                            .path("replies")
                            .findValuesAsString("text"))
                    .containsExactly("keep me", "and me");

            assertThat(again.ok(HandoffTools.SEND_AND_WAIT, Map.of("message", "done", "timeout_seconds", 1))
                            .path("timeout")
                            .asBoolean())
                    .as("answered: read")
                    .isTrue();
        }

        @Test
        void a_session_taken_over_while_busy_is_told_takeover_by_its_next_call_once() throws Exception {
            agent.start();
            String chat =
                    agent.ok(HandoffTools.STATUS, Map.of()).path("chat_id").asString();
            world.session("other").ok(HandoffTools.START, Map.of("takeover_chat_id", chat));

            assertThat(agent.ok(HandoffTools.SEND, Map.of("message", "still here"))
                            .path("takeover")
                            .asBoolean())
                    .isTrue();
            ToolResult after = agent.call(HandoffTools.SEND, Map.of("message", "hello?"));
            assertThat(after.isError()).isTrue();
            assertThat(after.text()).contains("no active handoff");
        }

        @Test
        void given_a_daemon_restart_then_an_unanswered_reply_is_returned_again() throws Exception {
            String chat = agent.start();
            world.control().sendText(world.operator(), chat, "survive the restart");
            agent.ok(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 10));

            world.stopDaemon();
            world.startDaemon();
            TestWorld.Session back = world.session("agent");
            assertThat(back.ok(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 10))
                            .path("replies")
                            .get(0)
                            .path("text")
                            .asString())
                    .isEqualTo("survive the restart");
        }

        @Test
        void a_message_filtered_out_is_kept_in_the_history_not_lost() {
            EmuUser stranger = world.control().addUser("Sam");
            String chat = agent.start();
            world.lark().state().withChat(chat, c -> {
                c.members.add(stranger.openId());
                return c;
            });
            world.control().sendText(stranger, chat, "psst");
            world.control().sendText(world.operator(), chat, "real work");
            JsonNode r = agent.ok(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 10));
            assertThat(r.path("replies").findValuesAsString("text")).containsExactly("real work");
            JsonNode history = agent.ok(HandoffTools.HISTORY, Map.of());
            assertThat(history.path("messages").findValuesAsString("text")).contains("psst", "real work");
        }
    }

    @Nested
    class StartAndEnd {

        @Test
        void runs_full_sequence_start_card_and_the_models_tab_then_the_wait() {
            String chat = agent.start();
            assertThat(world.awaitBotMessage(chat, "Handoff from Claude Code (claude-opus-4)"))
                    .isNotNull();
            assertThat(world.lark().state().chat(chat).orElseThrow().tabs)
                    .extracting(t -> t.tabName())
                    .contains("claude-opus-4");
            assertThat(agent.ok(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 0))
                            .path("timeout")
                            .asBoolean())
                    .isTrue();
        }

        @Test
        void normal_flow_posts_the_hand_back_card_removes_the_tab_and_releases_the_group() {
            String chat = agent.start();
            JsonNode ended = agent.ok(HandoffTools.END, Map.of("message", "See you at the desk."));
            assertThat(ended.path("status").asString()).isEqualTo("ended");
            assertThat(world.awaitBotMessage(chat, "See you at the desk.").content())
                    .contains("Hand back to Claude Code");
            assertThat(world.lark().state().chat(chat).orElseThrow().tabs)
                    .extracting(t -> t.tabName())
                    .doesNotContain("claude-opus-4");
            JsonNode status = agent.ok(HandoffTools.STATUS, Map.of());
            assertThat(status.path("groups").get(0).path("active").asBoolean()).isFalse();
            // The idle group is used again by the next start.
            assertThat(agent.ok(HandoffTools.START, Map.of("model", "m"))
                            .path("chat_id")
                            .asString())
                    .isEqualTo(chat);
        }

        @Test
        void dissolve_removes_the_operator_and_the_group() {
            String chat = agent.start();
            agent.ok(HandoffTools.END, Map.of("dissolve", true));
            assertThat(world.lark().state().chat(chat)).isEmpty();
        }

        @Test
        void ending_without_a_handoff_is_an_error() {
            ToolResult r = agent.call(HandoffTools.END, Map.of());
            assertThat(r.isError()).isTrue();
            assertThat(r.text()).contains("no active handoff");
        }
    }

    @Nested
    class WorkingCardAndStop {

        @Test
        void the_working_card_is_updated_in_place_and_turned_into_done_by_the_next_message() {
            String chat = agent.start();
            String first = agent.ok(HandoffTools.SEND, Map.of("message", "Reading files", "working", true))
                    .path("working_card")
                    .asString();
            String second = agent.ok(HandoffTools.SEND, Map.of("message", "Running tests", "working", true))
                    .path("working_card")
                    .asString();
            assertThat(second).isEqualTo(first);
            assertThat(world.control().message(first).orElseThrow().content()).contains("Running tests", "Stop");
            agent.ok(HandoffTools.SEND, Map.of("message", "All green."));
            dev.larkhandoff.testing.Eventually.await(
                    () -> world.control().message(first).orElseThrow().content().contains("Done ✓"),
                    "the working card to turn into Done");
        }

        @Test
        void stop_by_the_operator_raises_the_flag_the_next_call_sees_and_a_guests_click_is_refused() {
            EmuUser guest = world.control().addUser("Gina");
            String chat = agent.start();
            agent.ok(HandoffTools.MEMBERS, Map.of("action", "add", "open_ids", List.of(guest.openId())));
            String card = agent.ok(HandoffTools.SEND, Map.of("message", "Refactoring", "working", true))
                    .path("working_card")
                    .asString();

            EmulatorControl.CardCallback refused = world.control().clickButton(guest, card, "Stop");
            assertThat(refused.toast()).isEqualTo("Only the owner or coowners can stop");
            assertThat(agent.ok(HandoffTools.STATUS, Map.of())
                            .path("stop_requested")
                            .asBoolean())
                    .isFalse();

            EmulatorControl.CardCallback stop = world.control().clickButton(world.operator(), card, "Stop");
            assertThat(stop.toast()).isEqualTo("Stopping...");
            assertThat(agent.ok(HandoffTools.STATUS, Map.of())
                            .path("stop_requested")
                            .asBoolean())
                    .isTrue();
            assertThat(agent.ok(HandoffTools.SEND, Map.of("message", "Stopped as asked."))
                            .path("stop_requested")
                            .asBoolean())
                    .isTrue();
            assertThat(agent.ok(HandoffTools.STATUS, Map.of())
                            .path("stop_requested")
                            .asBoolean())
                    .as("the agent's message clears it")
                    .isFalse();
            assertThat(ServerJson.mapper()
                            .readTree(agent.call(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 0))
                                    .text())
                            .path("timeout")
                            .asBoolean())
                    .as("the Stop click is a flag, not a reply")
                    .isTrue();
        }
    }
}
