package dev.larkhandoff.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.ipc.FrameDecoder;
import dev.larkhandoff.server.routing.DeliveryTools;
import dev.larkhandoff.server.world.RawStdio;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.testing.Eventually;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Nothing is lost to a call nobody listens to any more, nor to a result too large to carry: real proxies and
 * daemon, the emulator as Lark, a pull-mode dispatcher (as OpenCode's local form runs).
 */
class AbandonedCallsTest {

    private static final Map<String, String> PULL_DISPATCHER =
            Map.of("LARK_HANDOFF_DELIVERY", "pull", "LARK_HANDOFF_ROLE", "dispatcher");

    @RegisterExtension
    final TestWorld world = Scenarios.world();

    private RawStdio proxy(String id) throws Exception {
        return world.rawStdio(id, PULL_DISPATCHER);
    }

    @Test
    void given_a_wait_the_client_cancelled_when_a_message_arrives_then_the_next_wait_gets_it() throws Exception {
        RawStdio agent = proxy("canceller");
        agent.call(1, DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 30));
        awaitRunningWaits(agent, 1);

        agent.cancel(1);
        awaitRunningWaits(agent, 0);
        world.operatorSays("after the cancel");
        agent.call(3, DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 20));

        assertThat(contents(agent.response(3, Duration.ofSeconds(40)))).containsExactly("after the cancel");
    }

    @Test
    void given_a_cancel_that_arrives_after_the_response_was_written_then_the_message_counts_as_delivered()
            throws Exception {
        RawStdio agent = proxy("late-canceller");
        world.operatorSays("racing the cancel");
        Eventually.await(() -> status(agent).path("daemon").path("pending").asInt() == 1, "the message stored");

        agent.call(1, DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 5));
        agent.response(1, Duration.ofSeconds(30));
        agent.cancel(1); // too late: the response was written, so it counts (the client saw it)
        agent.call(2, DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 0));

        assertThat(RawStdio.text(agent.response(2, Duration.ofSeconds(30)))).isEqualTo("{\"timeout\":true}");
    }

    @Test
    void given_a_proxy_killed_during_a_wait_when_it_comes_back_under_the_same_id_then_its_new_wait_gets_the_message()
            throws Exception {
        RawStdio first = proxy("phoenix");
        first.call(1, DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 60));
        awaitRunningWaits(first, 1);

        first.kill();
        RawStdio second = proxy("phoenix");
        second.call(1, DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 30));
        Thread.sleep(500);
        world.operatorSays("for the new proxy");

        assertThat(contents(second.response(1, Duration.ofSeconds(60)))).containsExactly("for the new proxy");
    }

    @Test
    void given_60_messages_of_150_kb_waiting_then_a_pull_session_gets_every_one_once_in_bounded_pages()
            throws Exception {
        RawStdio agent = proxy("backlog");
        int count = 60;
        for (int i = 0; i < count; i++) {
            world.operatorSays(String.format("%03d ", i) + "x".repeat(150 * 1024 - 4));
        }
        Eventually.await(
                () -> status(agent).path("daemon").path("pending").asInt() == count,
                "the backlog stored",
                Duration.ofSeconds(120));

        List<String> got = new ArrayList<>();
        int pages = 0;
        boolean sawMore = false;
        for (int id = 10; got.size() < count && id < 200; id++) {
            agent.call(id, DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 5));
            RawStdio.Line page = agent.response(id, Duration.ofSeconds(60));
            assertThat(page.json().path("result").path("isError").asBoolean())
                    .as(RawStdio.text(page))
                    .isFalse();
            assertThat(page.bytes()).isLessThan(FrameDecoder.DEFAULT_MAX_FRAME);
            JsonNode body = ServerJson.mapper().readTree(RawStdio.text(page));
            sawMore |= body.path("more").asBoolean(false);
            body.path("replies")
                    .forEach(r -> got.add(r.path("content").asString().substring(0, 3)));
            pages++;
        }

        Set<String> distinct = new HashSet<>(got);
        assertThat(got).hasSize(count);
        assertThat(distinct).hasSize(count);
        assertThat(got.get(0)).isEqualTo("000");
        assertThat(got.get(count - 1)).isEqualTo(String.format("%03d", count - 1));
        assertThat(pages).isGreaterThan(1);
        assertThat(sawMore).isTrue();
        assertThat(status(agent).path("daemon").path("pending").asInt()).isZero();
    }

    private static List<String> contents(RawStdio.Line response) {
        List<String> out = new ArrayList<>();
        JsonNode body = ServerJson.mapper().readTree(RawStdio.text(response));
        body.path("replies").forEach(r -> out.add(r.path("content").asString()));
        return out;
    }

    private int statusCalls = 1_000;

    private JsonNode status(RawStdio agent) {
        try {
            int id = statusCalls++;
            agent.call(id, OwnershipTools.STATUS, Map.of());
            return ServerJson.mapper().readTree(RawStdio.text(agent.response(id, Duration.ofSeconds(30))));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The daemon runs exactly {@code n} calls for proxies (status itself excluded). */
    private void awaitRunningWaits(RawStdio agent, int n) {
        Eventually.await(
                () -> status(agent).path("daemon").path("running_calls").asInt(-1) == n + 1,
                n + " wait(s) running in the daemon");
    }
}
