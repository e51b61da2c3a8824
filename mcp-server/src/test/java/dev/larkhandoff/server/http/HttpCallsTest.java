package dev.larkhandoff.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.routing.WakeSignal;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolSpec;
import dev.larkhandoff.testing.Eventually;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tool calls over Streamable HTTP are tied to their request: the client's cancel and the session's end stop them in
 * the daemon, and a result that hands over messages is settled only when its response was written.
 */
class HttpCallsTest {

    @RegisterExtension
    final HttpFrontLevel fixture = HttpFrontLevel.stopped();

    private final CountDownLatch waitStarted = new CountDownLatch(1);
    private final CountDownLatch waitEnded = new CountDownLatch(1);
    private final List<String> settled = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        ToolCatalog extra = ToolCatalog.builder()
                .add(new ToolSpec("waits", "Waits for a wake that never comes.", Map.of("type", "object")), call -> {
                    waitStarted.countDown();
                    try {
                        return new WakeSignal()
                                .await(
                                        Duration.ofSeconds(60),
                                        (d, t, m) -> {},
                                        "nothing",
                                        () -> null,
                                        ToolResult.ok("{\"timeout\":true}"));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return ToolResult.error("interrupted");
                    } finally {
                        waitEnded.countDown();
                    }
                })
                .add(
                        new ToolSpec("hands_over", "Answers with a result to settle.", Map.of("type", "object")),
                        call -> ToolResult.ok("{\"replies\":[]}").withReceipt(new ToolResult.Receipt() {
                            @Override
                            public void written() {
                                settled.add("written");
                            }

                            @Override
                            public void dropped() {
                                settled.add("dropped");
                            }
                        }))
                .build();
        fixture.start(HttpFront.Timing.DEFAULT, HttpLimits.DEFAULT, extra);
    }

    private static String toolCall(int id, String tool) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                + "\",\"arguments\":{}}}";
    }

    @Test
    void given_a_call_its_http_client_cancelled_then_the_daemon_stops_it() throws Exception {
        String session = fixture.rawInitialize(Map.of("X-Lark-Handoff-Session-Id", "canceller"));
        fixture.http.sendAsync(
                fixture.mcpPost(toolCall(7, "waits"), session)
                        .timeout(Duration.ofSeconds(90))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(waitStarted.await(10, TimeUnit.SECONDS)).isTrue();

        fixture.send(fixture.mcpPost(
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":"
                        + "{\"requestId\":7,\"reason\":\"Esc\"}}",
                session));

        assertThat(waitEnded.await(5, TimeUnit.SECONDS))
                .as("the daemon's wait ended")
                .isTrue();
        Eventually.await(() -> fixture.registry.calls().size() == 0, "no call left running");
    }

    @Test
    void given_the_http_session_ended_during_a_call_then_the_daemon_stops_it() throws Exception {
        String session = fixture.rawInitialize(Map.of("X-Lark-Handoff-Session-Id", "leaver"));
        fixture.http.sendAsync(
                fixture.mcpPost(toolCall(8, "waits"), session)
                        .timeout(Duration.ofSeconds(90))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(waitStarted.await(10, TimeUnit.SECONDS)).isTrue();

        fixture.send(fixture.request(HttpFront.MCP_PATH)
                .header("Authorization", "Bearer " + fixture.token())
                .header("Mcp-Session-Id", session)
                .DELETE());

        assertThat(waitEnded.await(5, TimeUnit.SECONDS))
                .as("the daemon's wait ended")
                .isTrue();
    }

    @Test
    void given_a_result_that_hands_over_messages_when_its_response_is_written_then_it_is_settled_as_written()
            throws Exception {
        String session = fixture.rawInitialize(Map.of("X-Lark-Handoff-Session-Id", "reader"));

        HttpResponse<String> response = fixture.send(fixture.mcpPost(toolCall(9, "hands_over"), session));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("replies");
        Eventually.await(() -> !settled.isEmpty(), "the receipt to be settled");
        assertThat(settled).containsExactly("written");
    }
}
