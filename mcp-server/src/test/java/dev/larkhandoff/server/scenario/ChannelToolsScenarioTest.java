package dev.larkhandoff.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.world.AgentSession;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.testing.Eventually;
import java.time.Duration;
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
}
