package dev.larkhandoff.server.channel;

import static dev.larkhandoff.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.lark.http.SendLimiter;
import dev.larkhandoff.server.tool.ToolCall;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.world.TestWorld;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * "Received" reactions have a budget of their own: a burst of them never stands between the agent's reply and Lark,
 * and those beyond the budget are dropped and counted, never queued. The emulator as Lark over real sockets, the
 * real reply tool.
 */
class ReceivedReactionBudgetTest {

    @RegisterExtension
    final TestWorld world = TestWorld.builder().lark().store().build();

    private ReceivedIndicator indicator;
    private ToolCatalog tools;
    private SendLimiter limiter;
    private EmuUser alice;
    private EmuChat chat;

    @BeforeEach
    void start() {
        indicator = new ReceivedIndicator(world.client().messages(), new Random(7));
        tools = ChannelMessagingTools.of(
                new ChannelMessaging(world.client().messages(), world.store().chats()), indicator);
        limiter = world.client().http().limiter();
        alice = world.lark().control().addUser("Alice");
        chat = world.lark().control().createGroup("team", alice);
        // The client's token is fetched before the burst, so the burst is all that the limiter sees.
        world.client().bot().info().block(Duration.ofSeconds(30));
    }

    private long reactionCalls() {
        return world.lark().control().calls().stream()
                .filter(c -> c.method().equals("POST") && c.path().endsWith("/reactions"))
                .count();
    }

    @Test
    void
            given_a_burst_of_40_delivered_messages_when_the_agent_replies_then_the_reply_waits_behind_no_reaction_and_those_beyond_the_budget_are_dropped_and_counted()
                    throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add(world.lark().control().sendText(alice, chat.chatId, "m" + i).messageId());
        }

        List<CompletableFuture<Void>> reactions = new ArrayList<>();
        ids.forEach(id -> reactions.add(indicator.received(chat.chatId, id)));
        SendLimiter.Backlog duringBurst = limiter.backlog();
        ToolResult reply = tools.call("reply", ToolCall.of("s1", Map.of("chat_id", chat.chatId, "text", "on it")));
        CompletableFuture.allOf(reactions.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        assertThat(duringBurst.calls())
                .as("no slot of the replies' budget is booked by a reaction: the reply goes at once")
                .isZero();
        assertThat(duringBurst.spareCalls())
                .as("reactions wait at most a second's worth of their own budget")
                .isLessThanOrEqualTo(5);
        assertThat(reply.isError()).isFalse();
        assertThat(world.awaitBotMessage(chat.chatId, "on it")).isNotNull();
        assertThat(indicator.dropped()).as("dropped, not queued").isPositive();
        assertThat(reactionCalls() + indicator.dropped())
                .as("every reaction either went to Lark or was counted as dropped")
                .isEqualTo(40);
        assertThat(limiter.spareDropped()).isEqualTo(indicator.dropped());
    }

    @Test
    void given_reactions_dropped_then_a_redelivery_after_the_burst_may_react_again() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(world.lark().control().sendText(alice, chat.chatId, "m" + i).messageId());
        }
        List<CompletableFuture<Void>> burst = new ArrayList<>();
        ids.forEach(id -> burst.add(indicator.received(chat.chatId, id)));
        CompletableFuture.allOf(burst.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        String droppedOne = ids.stream()
                .filter(id -> world.lark().state().reactions(id).isEmpty())
                .findFirst()
                .orElseThrow();

        // Once no reaction waits, the next one has a slot within the budget's bound.
        await(() -> limiter.backlog().spareCalls() == 0, "the burst's reactions gone out");
        indicator.received(chat.chatId, droppedOne).get(30, TimeUnit.SECONDS);

        assertThat(world.lark().state().reactions(droppedOne)).hasSize(1);
    }
}
