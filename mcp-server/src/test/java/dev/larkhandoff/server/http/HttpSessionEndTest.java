package dev.larkhandoff.server.http;

import static dev.larkhandoff.server.http.HttpFrontLevel.WHOAMI;
import static dev.larkhandoff.server.http.HttpFrontLevel.call;
import static dev.larkhandoff.server.http.HttpFrontLevel.text;
import static dev.larkhandoff.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.channel.OwnershipTools;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpStreamableServerSession;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An HTTP session is offline the moment its MCP session ends, however it ends. */
class HttpSessionEndTest {

    private static final String TOOLS_LIST = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";

    @RegisterExtension
    final HttpFrontLevel daemon = HttpFrontLevel.stopped();

    @Test
    void given_a_streamable_session_when_the_client_deletes_it_then_it_is_offline_at_once() throws Exception {
        daemon.start();
        String mcpSession = daemon.rawInitialize(Map.of("X-Lark-Handoff-Session-Id", "oc-1"));
        assertThat(daemon.online("session:oc-1")).isTrue();

        HttpResponse<String> deleted = daemon.send(daemon.request(HttpFront.MCP_PATH)
                .header("Authorization", "Bearer " + daemon.token())
                .header("Mcp-Session-Id", mcpSession)
                .DELETE());

        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(daemon.registry.entry("session:oc-1")).isEmpty();
        assertThat(daemon.stored("session:oc-1"))
                .hasValueSatisfying(row -> assertThat(row.connected()).isFalse());
    }

    @Test
    void given_an_sdk_client_over_streamable_http_when_it_closes_then_its_session_goes_offline() throws Exception {
        daemon.start();
        McpSyncClient client = daemon.streamable(Map.of("X-Lark-Handoff-Session-Id", "oc-2"));
        assertThat(daemon.online("session:oc-2")).isTrue();

        client.closeGracefully();

        await(() -> daemon.offline("session:oc-2"), "the closed client's session to go offline");
    }

    @Test
    void given_an_sse_session_when_its_stream_closes_then_it_goes_offline() throws Exception {
        // Jetty learns of a dropped idle stream only by writing to it: the keep-alive ping is that write.
        daemon.start(new HttpFront.Timing(Duration.ofMillis(100), Duration.ofMinutes(30)));
        McpSyncClient client = daemon.sse(Map.of("X-Lark-Handoff-Session-Id", "inspector"));
        assertThat(daemon.online("session:inspector")).isTrue();

        client.closeGracefully();

        await(() -> daemon.offline("session:inspector"), "the SSE session to go offline");
    }

    @Test
    void given_a_streamable_session_that_goes_quiet_when_the_sdk_sweeps_it_then_it_goes_offline() throws Exception {
        daemon.start(new HttpFront.Timing(Duration.ofHours(1), Duration.ofMillis(100)));
        String mcpSession = daemon.rawInitialize(Map.of("X-Lark-Handoff-Session-Id", "gone-quiet"));
        assertThat(daemon.registrations).hasValue(1);

        await(() -> daemon.offline("session:gone-quiet"), "the idle session to be swept and go offline");

        assertThat(daemon.send(daemon.mcpPost(TOOLS_LIST, mcpSession)).statusCode())
                .isEqualTo(404);
    }

    @Test
    void given_the_same_session_id_registering_again_then_the_older_http_session_is_refused_and_the_newer_owns_it()
            throws Exception {
        daemon.start();
        String older = daemon.rawInitialize(Map.of("X-Lark-Handoff-Session-Id", "oc-3"));
        McpSyncClient newer = daemon.streamable(Map.of("X-Lark-Handoff-Session-Id", "oc-3"));

        HttpResponse<String> refused = daemon.send(daemon.mcpPost(TOOLS_LIST, older));
        HttpResponse<String> deleted = daemon.send(daemon.request(HttpFront.MCP_PATH)
                .header("Authorization", "Bearer " + daemon.token())
                .header("Mcp-Session-Id", older)
                .DELETE());

        assertThat(refused.statusCode()).isEqualTo(404);
        assertThat(refused.body()).contains("session_closed");
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(daemon.online("session:oc-3")).isTrue();
        assertThat(text(call(newer, WHOAMI, Map.of()))).isEqualTo("session:oc-3");
        assertThat(daemon.registry.live()).hasSize(1);
    }

    @Test
    void given_live_sessions_on_both_transports_when_the_front_closes_then_all_are_offline_at_once() throws Exception {
        daemon.start();
        McpSyncClient dispatcher =
                daemon.streamable(Map.of("X-Lark-Handoff-Session-Id", "disp", "X-Lark-Handoff-Role", "dispatcher"));
        daemon.sse(Map.of("X-Lark-Handoff-Session-Id", "tm"));
        call(dispatcher, OwnershipTools.ACQUIRE, Map.of("session_id", "session:tm"));

        daemon.front.close();

        assertThat(daemon.registry.live()).isEmpty();
        assertThat(daemon.store.sessions().connected()).isEmpty();
        assertThat(daemon.ownership.effectiveTarget()).isEmpty();
    }

    @Test
    void given_the_sdk_session_class_then_the_end_observing_wrapper_delegates_every_public_method() {
        List<String> missed = Arrays.stream(McpStreamableServerSession.class.getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()) && m.getDeclaringClass() != Object.class)
                .filter(m -> !declaredBy(EndObservingSession.class, m))
                .map(Method::toGenericString)
                .toList();

        assertThat(missed)
                .as("methods of the SDK session the wrapper would answer from its empty self")
                .isEmpty();
    }

    private static boolean declaredBy(Class<?> type, Method method) {
        try {
            type.getDeclaredMethod(method.getName(), method.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
