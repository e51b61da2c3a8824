package dev.larkhandoff.server.channel;

import static dev.larkhandoff.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuReaction;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.emulator.openapi.OpenApiServer.CallRecord;
import dev.larkhandoff.server.tool.ToolCall;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.world.TestWorld;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The "received" reaction against the Lark emulator over real sockets; replies go through the real reply tool. */
class ReceivedIndicatorTest {

    private static final long SEED = 7;

    @RegisterExtension
    final TestWorld world = TestWorld.builder().lark().store().build();

    private ReceivedIndicator indicator;
    private ToolCatalog tools;
    private EmuUser alice;
    private EmuChat chat;

    @BeforeEach
    void start() {
        indicator = new ReceivedIndicator(world.client().messages(), new Random(SEED));
        tools = ChannelMessagingTools.of(
                new ChannelMessaging(world.client().messages(), world.store().chats()), indicator);
        alice = world.lark().control().addUser("Alice");
        chat = world.lark().control().createGroup("team", alice);
    }

    private String aliceSays(EmuChat where, String text) {
        return world.lark().control().sendText(alice, where.chatId, text).messageId();
    }

    private List<EmuReaction> reactionsOn(String messageId) {
        return world.lark().state().reactions(messageId);
    }

    private ToolResult reply(String chatId, String text) {
        return tools.call("reply", ToolCall.of("s1", Map.of("chat_id", chatId, "text", text)));
    }

    private long calls(String method, String path) {
        return world.lark().control().calls().stream()
                .filter(c -> c.method().equals(method) && c.path().equals(path))
                .count();
    }

    private static String reactionsPath(String messageId) {
        return "/open-apis/im/v1/messages/" + messageId + "/reactions";
    }

    @Test
    void given_a_delivered_message_when_received_then_it_gets_exactly_one_reaction_from_the_pool() {
        String id = aliceSays(chat, "please fix the build");

        indicator.received(chat.chatId, id).join();

        String expected = ReceivedIndicator.EMOJIS.get(new Random(SEED).nextInt(ReceivedIndicator.EMOJIS.size()));
        assertThat(reactionsOn(id)).singleElement().satisfies(r -> {
            assertThat(r.emojiType()).isEqualTo(expected);
            assertThat(r.operatorType()).isEqualTo("app");
        });
    }

    @Test
    void given_a_message_received_twice_then_it_still_has_one_reaction() {
        String id = aliceSays(chat, "hello");

        CompletableFuture<Void> first = indicator.received(chat.chatId, id);
        CompletableFuture<Void> whileInFlight = indicator.received(chat.chatId, id);
        CompletableFuture.allOf(first, whileInFlight).join();
        indicator.received(chat.chatId, id).join();

        assertThat(reactionsOn(id)).hasSize(1);
        assertThat(calls("POST", reactionsPath(id))).isEqualTo(1);
    }

    @Test
    void given_concurrent_duplicate_deliveries_then_only_one_reaction_is_added() throws Exception {
        String id = aliceSays(chat, "hello");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<CompletableFuture<Void>>> calls = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                calls.add(CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                go.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            return indicator.received(chat.chatId, id);
                        },
                        pool));
            }
            go.countDown();
            for (CompletableFuture<CompletableFuture<Void>> call : calls) {
                call.join().join();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(reactionsOn(id)).hasSize(1);
        assertThat(calls("POST", reactionsPath(id))).isEqualTo(1);
    }

    @Test
    void
            given_pending_indicators_when_the_agent_replies_in_the_chat_then_all_of_them_come_off_and_other_chats_keep_theirs() {
        EmuChat other = world.lark().control().createGroup("other", alice);
        String first = aliceSays(chat, "one");
        String second = aliceSays(chat, "two");
        String elsewhere = aliceSays(other, "three");
        CompletableFuture.allOf(
                        indicator.received(chat.chatId, first),
                        indicator.received(chat.chatId, second),
                        indicator.received(other.chatId, elsewhere))
                .join();

        ToolResult result = reply(chat.chatId, "on it");

        assertThat(result.isError()).isFalse();
        await(() -> reactionsOn(first).isEmpty() && reactionsOn(second).isEmpty(), "both reactions removed");
        assertThat(reactionsOn(elsewhere)).hasSize(1);
    }

    @Test
    void given_a_reply_by_message_id_then_the_indicator_clears_in_the_chat_the_reply_landed_in() {
        EmuChat other = world.lark().control().createGroup("other", alice);
        String asked = aliceSays(chat, "why?");
        indicator.received(chat.chatId, asked).join();

        ToolResult result = tools.call(
                "reply", ToolCall.of("s1", Map.of("chat_id", other.chatId, "text", "because", "message_id", asked)));

        assertThat(result.isError()).isFalse();
        await(() -> reactionsOn(asked).isEmpty(), "the reaction removed");
    }

    @Test
    void given_a_reply_while_the_add_is_still_in_flight_then_the_reaction_comes_off_as_soon_as_it_is_on() {
        String id = aliceSays(chat, "hello");
        // Lark answers the add with a rate limit first, so the add is still waiting to be retried when the reply lands.
        world.lark().control().rateLimitNext(reactionsPath(id), 1, 1);

        CompletableFuture<Void> added = indicator.received(chat.chatId, id);
        CompletableFuture<Void> cleared = indicator.replied(chat.chatId);
        CompletableFuture.allOf(added, cleared).join();

        assertThat(reactionsOn(id)).isEmpty();
        assertThat(world.lark().control().calls())
                .filteredOn(c -> c.path().startsWith(reactionsPath(id)))
                .extracting(CallRecord::method, CallRecord::httpStatus)
                .containsExactly(tuple("POST", 429), tuple("POST", 200), tuple("DELETE", 200));
    }

    @Test
    void given_a_cleared_message_when_it_is_redelivered_late_then_no_reaction_is_added_again() {
        String id = aliceSays(chat, "hello");
        indicator.received(chat.chatId, id).join();
        indicator.replied(chat.chatId).join();

        indicator.received(chat.chatId, id).join();

        assertThat(reactionsOn(id)).isEmpty();
        assertThat(calls("POST", reactionsPath(id))).isEqualTo(1);
    }

    @Test
    void given_more_cleared_messages_than_the_tombstone_cap_then_the_oldest_is_forgotten_first() {
        ReceivedIndicator small = new ReceivedIndicator(world.client().messages(), new Random(SEED), 2);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = aliceSays(chat, "m" + i);
            ids.add(id);
            small.received(chat.chatId, id).join();
            small.replied(chat.chatId).join();
        }

        small.received(chat.chatId, ids.get(0)).join();
        small.received(chat.chatId, ids.get(2)).join();

        assertThat(reactionsOn(ids.get(0))).as("evicted, so it reacts again").hasSize(1);
        assertThat(reactionsOn(ids.get(2))).as("still a tombstone").isEmpty();
        assertThat(calls("POST", reactionsPath(ids.get(2)))).isEqualTo(1);
    }

    @Test
    void given_lark_failing_the_reaction_then_nothing_throws_and_the_reply_still_works() {
        String id = aliceSays(chat, "hello");
        world.lark().control().failNext("POST", reactionsPath(id), 500, 1000040343, "internal error", 1);

        indicator.received(chat.chatId, id).join();
        ToolResult result = reply(chat.chatId, "answer");

        assertThat(reactionsOn(id)).isEmpty();
        assertThat(result.isError()).isFalse();
        assertThat(result.text()).startsWith("Sent to " + chat.chatId + " as om_");
    }

    @Test
    void given_a_reply_that_fails_then_the_indicator_stays_until_a_reply_succeeds() {
        String id = aliceSays(chat, "hello");
        indicator.received(chat.chatId, id).join();
        world.lark().control().failNext("POST", "/open-apis/im/v1/messages", 400, 230002, "Bot is not in the chat", 1);

        ToolResult failed = reply(chat.chatId, "answer");

        assertThat(failed.isError()).isTrue();
        assertThat(reactionsOn(id)).hasSize(1);
        assertThat(calls(
                        "DELETE",
                        reactionsPath(id) + "/" + reactionsOn(id).get(0).reactionId()))
                .isZero();

        assertThat(reply(chat.chatId, "answer").isError()).isFalse();
        await(() -> reactionsOn(id).isEmpty(), "the reaction removed after the successful reply");
    }

    @Test
    void given_a_removal_that_fails_then_it_is_not_retried_by_a_later_reply() {
        String id = aliceSays(chat, "hello");
        indicator.received(chat.chatId, id).join();
        String reactionPath = reactionsPath(id) + "/" + reactionsOn(id).get(0).reactionId();
        // A 4xx, which the client does not retry by itself (it retries idempotent calls after a 5xx).
        world.lark().control().failNext("DELETE", reactionsPath(id), 400, 230001, "invalid request", 1);

        indicator.replied(chat.chatId).join();
        indicator.replied(chat.chatId).join();

        assertThat(calls("DELETE", reactionPath)).isEqualTo(1);
        assertThat(reactionsOn(id)).hasSize(1);
    }
}
