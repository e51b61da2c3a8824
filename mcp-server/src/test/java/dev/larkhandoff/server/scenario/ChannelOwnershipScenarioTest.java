package dev.larkhandoff.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.world.AgentSession;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.testing.Eventually;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ownership scenarios of docs/channel-ownership.md, played by real {@code lark-handoff stdio} processes (driven by
 * the MCP Java SDK client) against a real daemon they spawned, with the emulator as Lark.
 */
class ChannelOwnershipScenarioTest {

    private static final Duration SOON = Duration.ofSeconds(20);

    @RegisterExtension
    final TestWorld world = Scenarios.world();

    @Test
    void the_epoch_example_dispatcher_registers_at_epoch_1_and_assigning_a_teammate_makes_it_2() {
        AgentSession dispatcher = world.dispatcher("dispatcher-1");
        world.teammate("tm-1", "api-worker");
        // A daemon answers its sessions before its Lark connection is up; the example is read once it is.
        Eventually.await(
                () -> dispatcher
                        .call(OwnershipTools.STATUS, Map.of())
                        .text()
                        .contains("\"lark_connection\": \"connected\""),
                "the daemon's Lark connection to be up");

        String before = dispatcher.call(OwnershipTools.STATUS, Map.of()).text();
        AgentSession.Answer assigned = dispatcher.call(OwnershipTools.ACQUIRE, Map.of("session_id", "session:tm-1"));
        String after = dispatcher.call(OwnershipTools.STATUS, Map.of()).text();

        assertThat(before).contains("\"lease_epoch\": 1");
        assertThat(assigned)
                .isEqualTo(
                        new AgentSession.Answer("Feishu channel owner is now session:tm-1 (session, epoch 2).", false));
        assertThat(after)
                .contains(
                        "\"lease_epoch\": 2",
                        "\"owner_session_id\": \"session:tm-1\"",
                        "\"teammate_name\": \"api-worker\"",
                        "\"delivery_mode\": \"push\"",
                        "\"lark_connection\": \"connected\"");
    }

    @Test
    void a_grant_is_single_target_and_an_ungranted_teammate_cannot_acquire() {
        AgentSession dispatcher = world.dispatcher("dispatcher-1");
        AgentSession a = world.teammate("tm-a", "a");
        AgentSession b = world.teammate("tm-b", "b");

        AgentSession.Answer ungranted = a.call(OwnershipTools.ACQUIRE, Map.of());
        dispatcher.call(OwnershipTools.GRANT, Map.of("session_id", "session:tm-a"));
        dispatcher.call(OwnershipTools.GRANT, Map.of("session_id", "session:tm-b"));
        AgentSession.Answer aAfterRegrant = a.call(OwnershipTools.ACQUIRE, Map.of());
        AgentSession.Answer bAcquires = b.call(OwnershipTools.ACQUIRE, Map.of());

        assertThat(ungranted)
                .isEqualTo(new AgentSession.Answer("channel ownership was not granted by the dispatcher", true));
        assertThat(aAfterRegrant)
                .as("the second grant replaced the first")
                .isEqualTo(new AgentSession.Answer("channel ownership was not granted by the dispatcher", true));
        assertThat(bAcquires.text()).isEqualTo("Feishu channel owner is now session:tm-b (session, epoch 2).");
    }

    @Test
    void match_by_teammate_name_with_zero_one_and_two_candidates() {
        AgentSession dispatcher = world.dispatcher("dispatcher-1");
        world.teammate("tm-1", "api-worker");
        world.teammate("tm-a", "twin");
        world.teammate("tm-b", "twin");

        AgentSession.Answer none =
                dispatcher.call(OwnershipTools.ACQUIRE, Map.of("match", Map.of("teammate_name", "ghost")));
        AgentSession.Answer two =
                dispatcher.call(OwnershipTools.GRANT, Map.of("match", Map.of("teammate_name", "twin")));
        AgentSession.Answer one =
                dispatcher.call(OwnershipTools.ACQUIRE, Map.of("match", Map.of("teammate_name", "api-worker")));

        assertThat(none)
                .isEqualTo(
                        new AgentSession.Answer("no live channel proxy matching: {\"teammate_name\":\"ghost\"}", true));
        assertThat(two.isError()).isTrue();
        assertThat(two.text())
                .startsWith("ambiguous match: {\"teammate_name\":\"twin\"}; candidates: ")
                .contains("session:tm-a", "session:tm-b")
                .endsWith("; pass session_id to disambiguate");
        assertThat(one)
                .isEqualTo(
                        new AgentSession.Answer("Feishu channel owner is now session:tm-1 (session, epoch 2).", false));
    }

    @Test
    void a_malformed_match_is_an_error_and_never_falls_back_to_acquire_self() {
        AgentSession dispatcher = world.dispatcher("dispatcher-1");
        AgentSession tm = world.teammate("tm-1", "api-worker");
        dispatcher.call(OwnershipTools.GRANT, Map.of("session_id", "session:tm-1"));
        List<Object> malformed = List.of(
                Map.of(),
                Map.of("teammate_name", 123),
                Map.of("teammate_name", "api-worker", "cwd", 123),
                List.of(),
                "api-worker");

        List<AgentSession.Answer> answers = new ArrayList<>();
        for (Object match : malformed) {
            answers.add(tm.call(OwnershipTools.ACQUIRE, Map.of("match", match)));
        }

        assertThat(answers)
                .allSatisfy(a -> assertThat(a)
                        .isEqualTo(new AgentSession.Answer(
                                "match must be a non-empty object whose values are all strings", true)));
        assertThat(dispatcher.call(OwnershipTools.STATUS, Map.of()).text())
                .contains("\"owner_session_id\": \"session:dispatcher-1\"", "\"lease_epoch\": 1");
    }

    @Test
    void owner_offline_keeps_messages_pending_and_reclaim_delivers_the_backlog_in_order() throws Exception {
        AgentSession dispatcher = world.dispatcher("dispatcher-1");
        AgentSession tm = world.teammate("tm-1", "api-worker");
        dispatcher.call(OwnershipTools.ACQUIRE, Map.of("session_id", "session:tm-1"));
        world.operatorSays("while tm-1 is here");
        assertThat(tm.nextEvent(SOON)).extracting(e -> e.get("content")).isEqualTo("while tm-1 is here");

        tm.close();
        for (int i = 1; i <= 5; i++) {
            world.operatorSays("backlog " + i);
        }
        Eventually.await(
                () -> dispatcher.call(OwnershipTools.STATUS, Map.of()).text().contains("\"pending\": 5"),
                "five messages pending for the gone owner");
        assertThat(dispatcher.drainEvents())
                .as("no fallback to the dispatcher while tm-1 owns the channel")
                .isEmpty();

        AgentSession.Answer reclaimed = dispatcher.call(OwnershipTools.RECLAIM, Map.of());
        List<Object> contents = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Map<String, Object> event = dispatcher.nextEvent(SOON);
            assertThat(event).as("backlog event %d", i + 1).isNotNull();
            contents.add(event.get("content"));
        }

        assertThat(reclaimed)
                .isEqualTo(new AgentSession.Answer(
                        "Feishu channel owner reclaimed by dispatcher session:dispatcher-1 (epoch 3).", false));
        assertThat(contents).containsExactly("backlog 1", "backlog 2", "backlog 3", "backlog 4", "backlog 5");
        assertThat(dispatcher.nextEvent(Duration.ofMillis(500)))
                .as("each exactly once")
                .isNull();
    }

    @Test
    void return_while_the_dispatcher_is_offline_fails_with_the_exact_string() throws Exception {
        AgentSession dispatcher = world.dispatcher("dispatcher-1");
        AgentSession tm = world.teammate("tm-1", "api-worker");
        dispatcher.call(OwnershipTools.ACQUIRE, Map.of("session_id", "session:tm-1"));

        dispatcher.close();
        Eventually.await(
                () -> tm.call(OwnershipTools.STATUS, Map.of())
                        .text()
                        .contains("\"effective_target_session_id\": \"session:tm-1\""),
                "status to settle");
        Eventually.await(() -> !world.daemons().isEmpty(), "the daemon");
        AgentSession.Answer returned = awaitAnswer(() -> tm.call(OwnershipTools.RETURN, Map.of()));

        assertThat(returned).isEqualTo(new AgentSession.Answer("no live dispatcher channel proxy is registered", true));
    }

    @Test
    void a_channel_message_reaches_the_owner_as_a_notification_with_its_meta() throws Exception {
        AgentSession dispatcher = world.dispatcher("dispatcher-1");

        world.operatorSays("hello **agent**");
        Map<String, Object> event = dispatcher.nextEvent(SOON);

        assertThat(event).isNotNull();
        assertThat(event.get("content")).isEqualTo("hello **agent**");
        @SuppressWarnings("unchecked")
        Map<String, String> meta = (Map<String, String>) event.get("meta");
        assertThat(meta)
                .containsEntry("kind", "message")
                .containsEntry("chat_id", world.group().chatId)
                .containsEntry("chat_type", "group")
                .containsEntry("sender_id", world.operator().openId())
                .containsEntry("privilege", "owner")
                .containsKey("message_id");
        assertThat(meta.keySet()).allSatisfy(k -> assertThat(k).matches("[A-Za-z0-9_]+"));
    }

    @Test
    void a_stranger_is_kept_from_the_agent_and_sent_a_pairing_code() throws Exception {
        AgentSession dispatcher = world.dispatcher("dispatcher-1");
        var mallory = world.lark().control().addUser("Mallory");
        var dm = world.lark().control().p2pChat(mallory);

        world.lark().control().sendText(mallory, dm.chatId, "let me in");
        world.operatorSays("after the stranger");

        assertThat(dispatcher.nextEvent(SOON)).extracting(e -> e.get("content")).isEqualTo("after the stranger");
        Eventually.await(
                () -> world.lark().control().messagesIn(dm.chatId).stream()
                        .anyMatch(m -> m.toString().contains("lark-handoff access pair")),
                "the pairing code in the DM");
        assertThat(dispatcher.drainEvents()).isEmpty();
    }

    private static AgentSession.Answer awaitAnswer(java.util.function.Supplier<AgentSession.Answer> call) {
        AgentSession.Answer[] last = new AgentSession.Answer[1];
        Eventually.await(
                () -> {
                    last[0] = call.get();
                    return last[0].isError();
                },
                "the call to be refused");
        return last[0];
    }
}
