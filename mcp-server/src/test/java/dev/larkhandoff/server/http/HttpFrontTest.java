package dev.larkhandoff.server.http;

import static dev.larkhandoff.server.http.HttpFrontLevel.NEEDS_TEXT;
import static dev.larkhandoff.server.http.HttpFrontLevel.NEEDS_TEXT_ERROR;
import static dev.larkhandoff.server.http.HttpFrontLevel.WHOAMI;
import static dev.larkhandoff.server.http.HttpFrontLevel.call;
import static dev.larkhandoff.server.http.HttpFrontLevel.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.mcp.McpSurface;
import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.store.session.Role;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Agents on both HTTP transports see the daemon's tools and act as registered pull sessions. */
class HttpFrontTest {

    @RegisterExtension
    final HttpFrontLevel daemon = HttpFrontLevel.started();

    @Test
    void given_a_streamable_http_client_then_it_lists_the_daemon_tools_and_calls_channel_status() throws Exception {
        McpSyncClient client = daemon.streamable(Map.of());

        var tools = client.listTools().tools();
        var status = call(client, OwnershipTools.STATUS, Map.of());

        assertThat(tools)
                .extracting(McpSchema.Tool::name)
                .containsExactly(
                        OwnershipTools.STATUS,
                        OwnershipTools.GRANT,
                        OwnershipTools.ACQUIRE,
                        OwnershipTools.RETURN,
                        OwnershipTools.RECLAIM,
                        WHOAMI,
                        NEEDS_TEXT);
        assertThat(status.isError()).isFalse();
        assertThat(text(status)).contains("\"transport\": \"http\"");
    }

    @Test
    void given_an_sse_client_then_it_lists_the_daemon_tools_and_calls_channel_status() throws Exception {
        McpSyncClient client = daemon.sse(Map.of());

        var tools = client.listTools().tools();
        var status = call(client, OwnershipTools.STATUS, Map.of());

        assertThat(tools).extracting(McpSchema.Tool::name).contains(OwnershipTools.STATUS, WHOAMI);
        assertThat(status.isError()).isFalse();
        assertThat(text(status)).contains("\"transport\": \"sse\"");
    }

    @Test
    void given_either_transport_then_the_server_introduces_itself_as_the_daemon() throws Exception {
        McpSyncClient streamable = daemon.streamable(Map.of());
        McpSyncClient sse = daemon.sse(Map.of());

        for (McpSyncClient client : new McpSyncClient[] {streamable, sse}) {
            assertThat(client.getServerInfo().name()).isEqualTo(McpSurface.SERVER_NAME);
            assertThat(client.getServerInfo().version()).isEqualTo("9.9.9");
            assertThat(client.getServerInstructions()).isEqualTo(McpSurface.INSTRUCTIONS);
            assertThat(client.getServerCapabilities().experimental()).containsKey("claude/channel");
        }
    }

    @Test
    void given_identity_headers_then_the_session_registers_at_initialize_with_that_id_role_and_metadata()
            throws Exception {
        McpSyncClient client = daemon.streamable(Map.of(
                "X-Lark-Handoff-Session-Id", "api-worker",
                "X-Lark-Handoff-Role", "dispatcher",
                "X-Lark-Handoff-Meta-Teammate-Name", "api worker",
                "X-Lark-Handoff-Meta-Project.Dir", "/ws/api"));

        // Registered before any tool call: initialize alone is enough.
        assertThat(daemon.registry.entry("session:api-worker")).hasValueSatisfying(entry -> {
            assertThat(entry.session().role()).isEqualTo(Role.DISPATCHER);
            assertThat(entry.deliveryMode()).isEqualTo(DeliveryMode.PULL);
            assertThat(entry.session().version()).isEqualTo("9.9.9");
            assertThat(entry.session().metadata())
                    .containsExactlyInAnyOrderEntriesOf(
                            Map.of("teammate_name", "api worker", "projectdir", "/ws/api", "transport", "http"));
        });
        assertThat(daemon.stored("session:api-worker")).hasValueSatisfying(row -> {
            assertThat(row.connected()).isTrue();
            assertThat(row.role()).isEqualTo(Role.DISPATCHER);
            assertThat(row.deliveryMode()).isEqualTo(DeliveryMode.PULL);
            assertThat(row.metadataJson())
                    .contains("\"teammate_name\":\"api worker\"")
                    .contains("\"transport\":\"http\"");
        });
        assertThat(daemon.registrations).hasValue(1);
        assertThat(text(call(client, WHOAMI, Map.of()))).isEqualTo("session:api-worker");
    }

    @Test
    void given_no_identity_headers_then_the_session_is_named_after_its_mcp_session_and_is_not_the_dispatcher()
            throws Exception {
        McpSyncClient streamable = daemon.streamable(Map.of());
        McpSyncClient sse = daemon.sse(Map.of());

        String streamableId = text(call(streamable, WHOAMI, Map.of()));
        String sseId = text(call(sse, WHOAMI, Map.of()));

        assertThat(streamableId).startsWith("http:").isNotEqualTo(sseId);
        assertThat(sseId).startsWith("http:");
        assertThat(daemon.registry.entry(streamableId)).hasValueSatisfying(e -> {
            assertThat(e.session().role()).isEqualTo(Role.SESSION);
            assertThat(e.session().metadata()).containsExactlyEntriesOf(Map.of("transport", "http"));
        });
        assertThat(daemon.registry.entry(sseId))
                .hasValueSatisfying(
                        e -> assertThat(e.session().metadata()).containsExactlyEntriesOf(Map.of("transport", "sse")));
        assertThat(daemon.online(streamableId)).isTrue();
        assertThat(daemon.online(sseId)).isTrue();
    }

    @Test
    void given_a_dispatcher_on_streamable_http_and_a_teammate_on_sse_then_ownership_moves_by_their_own_calls()
            throws Exception {
        McpSyncClient dispatcher =
                daemon.streamable(Map.of("X-Lark-Handoff-Session-Id", "disp", "X-Lark-Handoff-Role", "dispatcher"));
        McpSyncClient teammate = daemon.sse(Map.of("X-Lark-Handoff-Session-Id", "tm-1"));

        var refused = call(teammate, OwnershipTools.ACQUIRE, Map.of());
        var granted = call(dispatcher, OwnershipTools.GRANT, Map.of("session_id", "session:tm-1"));
        var acquired = call(teammate, OwnershipTools.ACQUIRE, Map.of());

        assertThat(refused.isError()).isTrue();
        assertThat(text(refused)).isEqualTo("channel ownership was not granted by the dispatcher");
        assertThat(granted.isError()).isFalse();
        assertThat(text(acquired)).isEqualTo("Feishu channel owner is now session:tm-1 (session, epoch 2).");
        assertThat(daemon.ownership.effectiveTarget())
                .hasValueSatisfying(s -> assertThat(s.sessionId()).isEqualTo("session:tm-1"));
    }

    @Test
    void given_arguments_that_break_the_schema_then_the_tool_answers_with_its_own_error_not_the_sdk_validation()
            throws Exception {
        McpSyncClient client = daemon.streamable(Map.of());

        var missing = call(client, NEEDS_TEXT, Map.of());
        var wrongType = call(client, NEEDS_TEXT, Map.of("text", 42));

        assertThat(missing.isError()).isTrue();
        assertThat(text(missing)).isEqualTo(NEEDS_TEXT_ERROR);
        assertThat(text(wrongType)).isEqualTo(NEEDS_TEXT_ERROR);
    }
}
