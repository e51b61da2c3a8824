package dev.larkhandoff.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.ServerJson;
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

/** The agent's side of a conversation through real processes: a message arrives, is marked received, is answered. */
class ChannelToolsScenarioTest {

    @RegisterExtension
    final TestWorld world = Scenarios.world();

    @Test
    void a_delivered_message_gets_one_received_reaction_and_the_agents_reply_clears_it() throws Exception {
        AgentSession agent = world.dispatcher("dispatcher-1");

        world.operatorSays("can you check the build?");
        Map<String, Object> event = agent.nextEvent(Duration.ofSeconds(20));
        @SuppressWarnings("unchecked")
        String messageId = ((Map<String, String>) event.get("meta")).get("message_id");
        Eventually.await(() -> world.lark().state().reactions(messageId).size() == 1, "the received reaction");

        AgentSession.Answer reply = agent.call(
                "reply",
                Map.of(
                        "chat_id",
                        world.group().chatId,
                        "text",
                        "On it: **build is green** <@" + world.operator().openId() + ">",
                        "message_id",
                        messageId));

        assertThat(reply.isError()).as(reply.text()).isFalse();
        assertThat(reply.text()).startsWith("Sent to " + world.group().chatId + " as om_");
        Eventually.await(() -> world.lark().state().reactions(messageId).isEmpty(), "the reaction cleared");
        assertThat(world.lark().control().botMessages(world.group().chatId))
                .singleElement()
                .satisfies(m -> assertThat(m.toString())
                        .contains("build is green", world.operator().openId()));
    }

    @Test
    void a_tool_call_with_a_missing_argument_is_an_error_naming_it() {
        AgentSession agent = world.dispatcher("dispatcher-1");

        AgentSession.Answer answer = agent.call("reply", Map.of("chat_id", world.group().chatId));

        assertThat(answer).isEqualTo(new AgentSession.Answer("missing or empty required argument: text", true));
        assertThat(agent.toolNames())
                .contains(
                        "reply",
                        "react",
                        "edit_message",
                        "wait_for_reply",
                        "feishu_channel_status",
                        "feishu_channel_grant",
                        "feishu_channel_acquire",
                        "feishu_channel_return_to_dispatcher",
                        "feishu_channel_reclaim");
    }

    @Test
    void
            a_burst_of_messages_while_the_agent_replies_costs_the_reply_nothing_and_reactions_beyond_their_budget_are_dropped()
                    throws Exception {
        AgentSession agent = world.dispatcher("dispatcher-1");
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            sent.add("burst " + i);
            world.operatorSays(sent.get(i));
        }

        // The agent answers while the rest of the burst is still being handed over (and reacted to).
        assertThat(agent.nextEvent(Duration.ofSeconds(30))).isNotNull();
        AgentSession.Answer reply =
                agent.call("reply", Map.of("chat_id", world.group().chatId, "text", "working through them"));
        List<Object> received = new ArrayList<>();
        while (received.size() < sent.size() - 1) {
            Map<String, Object> event = agent.nextEvent(Duration.ofSeconds(30));
            assertThat(event).as("event %d of the burst", received.size() + 2).isNotNull();
            received.add(event.get("content"));
        }

        assertThat(reply.isError()).as(reply.text()).isFalse();
        assertThat(world.lark().control().botMessages(world.group().chatId))
                .anySatisfy(m -> assertThat(m.toString()).contains("working through them"));
        Eventually.await(
                () -> reactionCalls() + dropped(agent) == sent.size(),
                "every reaction added or counted as dropped",
                Duration.ofSeconds(30));
        assertThat(dropped(agent))
                .as("dropped rather than queued ahead of the reply")
                .isPositive();
    }

    private long reactionCalls() {
        return world.lark().control().calls().stream()
                .filter(c -> c.method().equals("POST") && c.path().endsWith("/reactions"))
                .count();
    }

    private static long dropped(AgentSession agent) {
        return ServerJson.mapper()
                .readTree(agent.call(OwnershipTools.STATUS, Map.of()).text())
                .path("daemon")
                .path("received_reactions_dropped")
                .asLong(-1);
    }
}
