package dev.larkhandoff.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.routing.DeliveryTools;
import dev.larkhandoff.server.world.AgentSession;
import dev.larkhandoff.server.world.RawStdio;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.testing.Eventually;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/** The stdio proxy as a process: what it does with bad input, the end of stdin, signals and a daemon restart. */
class StdioProxyProcessTest {

    @RegisterExtension
    final TestWorld world = Scenarios.world();

    @Test
    void a_malformed_stdin_line_gets_a_parse_error_and_the_session_goes_on() throws Exception {
        RawStdio proxy = world.launchRawStdio("raw");

        proxy.send(RawStdio.initialize(1));
        JsonNode init = proxy.nextWithId(1);
        proxy.send("this is not json");
        JsonNode parseError = proxy.next();
        proxy.send("[1,2,3]");
        JsonNode invalid = proxy.next();
        proxy.send(RawStdio.INITIALIZED);
        proxy.send(
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"feishu_channel_status\",\"arguments\":{}}}");
        JsonNode status = proxy.nextWithId(2);

        assertThat(init.path("result").path("capabilities").path("experimental").has("claude/channel"))
                .isTrue();
        assertThat(init.path("result").path("instructions").asString()).contains("<channel", "reply");
        assertThat(parseError.path("error").path("code").asInt()).isEqualTo(-32700);
        assertThat(parseError.path("id").isNull()).isTrue();
        assertThat(invalid.path("error").path("code").asInt()).isEqualTo(-32600);
        assertThat(status.path("result").path("isError").asBoolean()).isFalse();
        assertThat(status.path("result").path("content").get(0).path("text").asString())
                .contains("lease_epoch");
    }

    @Test
    void
            given_a_call_line_over_the_daemon_sockets_limit_then_it_gets_invalid_request_with_its_id_and_the_session_goes_on()
                    throws Exception {
        RawStdio proxy = world.launchRawStdio("raw");
        proxy.send(RawStdio.initialize(1));
        proxy.nextWithId(1);
        proxy.send(RawStdio.INITIALIZED);

        String huge = "x".repeat(9 * 1024 * 1024);
        proxy.send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"reply\","
                + "\"arguments\":{\"chat_id\":\"oc_x\",\"text\":\"" + huge + "\"}}}");
        JsonNode refusal = proxy.nextWithId(2);
        proxy.send(
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"feishu_channel_status\","
                        + "\"arguments\":{}}}");
        JsonNode next = proxy.nextWithId(3);

        assertThat(refusal.path("error").path("code").asInt()).isEqualTo(-32600);
        assertThat(refusal.path("error").path("message").asString()).contains("exceeds the limit");
        assertThat(next.path("result").path("isError").asBoolean(true)).isFalse();
        assertThat(proxy.process().isAlive()).isTrue();
    }

    @Test
    void each_json_valid_line_that_is_no_json_rpc_message_gets_invalid_request_and_the_next_call_succeeds()
            throws Exception {
        RawStdio proxy = world.launchRawStdio("raw");
        proxy.send(RawStdio.initialize(1));
        proxy.nextWithId(1);
        proxy.send(RawStdio.INITIALIZED);
        // Each line parses as JSON; the problem the refusal must name is on the right.
        Map<String, String> oddLines = new LinkedHashMap<>();
        oddLines.put("{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}", "\"id\"");
        oddLines.put("{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"ping\"}", "\"id\"");
        oddLines.put("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}", "\"id\"");
        oddLines.put("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", "\"id\"");
        oddLines.put("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}", "\"id\"");
        oddLines.put("{\"jsonrpc\":\"2.0\",\"id\":123456789012345678901234567890,\"method\":\"ping\"}", "\"id\"");
        oddLines.put("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":{\"name\":\"ping\"}}", "\"method\"");
        oddLines.put("{\"jsonrpc\":\"2.0\",\"result\":{}}", "\"id\"");
        oddLines.put("{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":\"x\"}", "\"error\"");
        oddLines.put("{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":\"x\",\"message\":\"m\"}}", "\"code\"");
        oddLines.put(
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{},\"error\":{\"code\":1,\"message\":\"m\"}}", "\"result\"");
        oddLines.put("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":\"x\"}", "\"params\"");

        int id = 100;
        for (Map.Entry<String, String> odd : oddLines.entrySet()) {
            proxy.send(odd.getKey());
            JsonNode refusal = proxy.nextError();
            proxy.send("{\"jsonrpc\":\"2.0\",\"id\":" + ++id + ",\"method\":\"tools/call\",\"params\":"
                    + "{\"name\":\"feishu_channel_status\",\"arguments\":{}}}");
            JsonNode next = proxy.nextWithId(id);

            assertThat(refusal.path("error").path("code").asInt())
                    .as(odd.getKey())
                    .isEqualTo(-32600);
            assertThat(refusal.path("error").path("message").asString())
                    .as(odd.getKey())
                    .startsWith("Invalid Request")
                    .contains(odd.getValue());
            assertThat(next.path("result").path("isError").asBoolean(true))
                    .as("the call after " + odd.getKey())
                    .isFalse();
        }
        assertThat(proxy.process().isAlive()).isTrue();
    }

    @Test
    void the_proxy_exits_when_stdin_ends() throws Exception {
        RawStdio proxy = world.launchRawStdio("raw");
        proxy.send(RawStdio.initialize(1));
        proxy.nextWithId(1);

        proxy.closeStdin();

        assertThat(proxy.process().waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
        assertThat(proxy.process().exitValue()).isZero();
    }

    @Test
    void the_proxy_exits_on_sigterm() throws Exception {
        RawStdio proxy = world.launchRawStdio("raw");
        proxy.send(RawStdio.initialize(1));
        proxy.nextWithId(1);

        proxy.process().destroy();

        assertThat(proxy.process().waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
    }

    @Test
    void after_the_daemon_is_killed_a_call_in_flight_fails_at_once_and_the_session_comes_back_under_its_id()
            throws Exception {
        AgentSession session = world.dispatcher("dispatcher-1");
        long daemonPid = ServerJson.mapper()
                .readTree(session.call(OwnershipTools.STATUS, Map.of()).text())
                .path("daemon")
                .path("pid")
                .asLong();
        CompletableFuture<AgentSession.Answer> waiting = CompletableFuture.supplyAsync(
                () -> session.call(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 600)));
        Eventually.await(() -> !waiting.isDone() && world.daemons().size() == 1, "the wait to be in flight");
        Thread.sleep(300);

        ProcessHandle.of(daemonPid).ifPresent(ProcessHandle::destroyForcibly);
        AgentSession.Answer failed = waiting.get(30, TimeUnit.SECONDS);

        assertThat(failed.isError()).isTrue();
        assertThat(failed.text()).contains("closed while", "not retried");
        Eventually.await(
                () -> {
                    AgentSession.Answer status = session.call(OwnershipTools.STATUS, Map.of());
                    return !status.isError()
                            && status.text().contains("\"sessionId\": \"session:dispatcher-1\"")
                            && !status.text().contains("\"pid\": " + daemonPid + ",");
                },
                "the proxy to register again with a new daemon",
                Duration.ofSeconds(60));
        world.operatorSays("after the restart");
        assertThat(session.nextEvent(Duration.ofSeconds(30)))
                .extracting(e -> e.get("content"))
                .isEqualTo("after the restart");
    }

    @Test
    void after_daemon_sock_is_deleted_under_the_daemon_a_new_session_reaches_it_and_sees_no_stack_trace()
            throws Exception {
        AgentSession first = world.dispatcher("first");
        long daemonPid = ServerJson.mapper()
                .readTree(first.call(OwnershipTools.STATUS, Map.of()).text())
                .path("daemon")
                .path("pid")
                .asLong();
        Path sock = world.home().resolve("daemon.sock");

        Files.delete(sock);
        Eventually.await(() -> Files.exists(sock), "the socket to be back", Duration.ofSeconds(10));
        Path stderr = world.home().resolve("raw-proxy.err");
        RawStdio proxy = world.launchRawStdio("raw", ProcessBuilder.Redirect.to(stderr.toFile()));
        proxy.send(RawStdio.initialize(1));
        proxy.nextWithId(1);
        proxy.send(RawStdio.INITIALIZED);
        proxy.send(
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"feishu_channel_status\","
                        + "\"arguments\":{}}}");
        JsonNode status = ServerJson.mapper()
                .readTree(proxy.nextWithId(2)
                        .path("result")
                        .path("content")
                        .get(0)
                        .path("text")
                        .asString());

        assertThat(status.path("daemon").path("pid").asLong())
                .as("the same daemon serves")
                .isEqualTo(daemonPid);
        assertThat(first.call(OwnershipTools.STATUS, Map.of()).text()).contains("\"sessionId\": \"session:raw\"");
        assertThat(world.daemons()).hasSize(1);
        assertThat(Files.readString(stderr)).doesNotContain("Exception", "\tat ");
    }

    @Test
    void a_pull_session_takes_its_messages_with_wait_for_reply_and_gets_no_notifications() throws Exception {
        AgentSession session = world.session("puller", "dispatcher", Map.of(), Map.of("LARK_HANDOFF_DELIVERY", "pull"));
        try {
            world.operatorSays("first");
            world.operatorSays("second");
            Eventually.await(
                    () -> session.call(OwnershipTools.STATUS, Map.of()).text().contains("\"pending\": 2"),
                    "two pending");
            AgentSession.Answer replies = session.call(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 5));
            AgentSession.Answer nothing = session.call(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 0));

            JsonNode r = ServerJson.mapper().readTree(replies.text());
            assertThat(r.path("count").asInt()).isEqualTo(2);
            assertThat(r.path("replies").get(0).path("content").asString()).isEqualTo("first");
            assertThat(r.path("replies").get(1).path("content").asString()).isEqualTo("second");
            assertThat(r.path("replies").get(0).path("meta").path("privilege").asString())
                    .isEqualTo("owner");
            assertThat(nothing.text()).isEqualTo("{\"timeout\":true}");
            assertThat(session.drainEvents()).isEmpty();
        } finally {
            session.close();
        }
    }
}
