package dev.larkhandoff.server.inspector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.cli.BuildInfo;
import dev.larkhandoff.server.cli.Main;
import dev.larkhandoff.server.daemon.HttpEndpointFile;
import dev.larkhandoff.server.http.HttpToken;
import dev.larkhandoff.server.session.LiveSession;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.testing.Eventually;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * The real-client check: the official MCP Inspector CLI ({@link InspectorCli}, pinned) lists the tools and calls
 * {@code feishu_channel_status} through the stdio proxy it launches itself, through Streamable HTTP at {@code /mcp}
 * and through legacy SSE at {@code /sse}; without the token, or from a foreign Origin, it is refused.
 *
 * <p>One daemon for the whole class (in this JVM, as {@code lark-handoff daemon} runs it, against the Lark emulator)
 * keeps the JVM starts to the stdio proxies the Inspector launches.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class InspectorCliTest {

    /** The tools every client must see, whichever transport it comes on. */
    private static final List<String> CHANNEL_TOOLS = List.of(
            "feishu_channel_status",
            "feishu_channel_grant",
            "feishu_channel_acquire",
            "feishu_channel_return_to_dispatcher",
            "feishu_channel_reclaim",
            "reply",
            "react",
            "edit_message",
            "wait_for_reply");

    private static final String STDIO_SESSION = "inspector-stdio";
    private static final String FOREIGN_ORIGIN = "http://evil.example";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path scratch;

    @RegisterExtension
    static final TestWorld world =
            TestWorld.builder().lark().config().daemon(BuildInfo.version()).build();

    private static Path home;
    private static InspectorCli inspector;
    private static JsonNode endpoints;
    private static String token;

    @BeforeAll
    static void aDaemonServingAHomeConfiguredForTheEmulatorAndTheInstalledInspector() throws Exception {
        inspector = InspectorCli.installed(scratch);
        home = world.home();
        endpoints = ServerJson.mapper().readTree(Files.readString(home.resolve(HttpEndpointFile.FILE_NAME)));
        token = Files.readString(home.resolve(HttpToken.FILE_NAME)).strip();
        assertThat(endpoints.path("url").asString())
                .as(HttpEndpointFile.FILE_NAME)
                .isEqualTo(world.daemon().httpUrl());
    }

    @AfterEach
    void nothingLeftRunning() {
        inspector.close();
        processesOfThisHome().forEach(InspectorCli::killTree);
    }

    @AfterAll
    static void stopTheDaemon() {
        if (inspector != null) {
            inspector.close();
        }
        if (home != null) {
            processesOfThisHome().forEach(InspectorCli::killTree);
        }
    }

    @Test
    void
            given_the_inspector_launching_the_stdio_proxy_itself_when_it_lists_the_tools_and_calls_status_then_it_sees_every_channel_tool_and_this_daemons_status()
                    throws Exception {
        List<String> proxy = proxyCommand();

        InspectorCli.Run list = inspector.run(stdio(proxy, "--method", "tools/list", "--strict"));
        InspectorCli.Run status =
                inspector.run(stdio(proxy, "--method", "tools/call", "--tool-name", "feishu_channel_status"));

        assertThat(list.exitCode())
                .as("tools/list exit code" + list.diagnostics())
                .isZero();
        assertThat(toolNames(list)).as("tools over stdio" + list.diagnostics()).containsAll(CHANNEL_TOOLS);
        assertThat(status.exitCode())
                .as("tools/call exit code" + status.diagnostics())
                .isZero();
        JsonNode s = statusJson(status);
        assertThat(s.path("daemon").path("pid").asLong())
                .as("the proxy used the running daemon (this JVM) rather than spawning one")
                .isEqualTo(ProcessHandle.current().pid());
        assertThat(sessions(s))
                .as("sessions in the status" + status.diagnostics())
                .anySatisfy(session -> {
                    assertThat(session.path("sessionId").asString()).isEqualTo("session:" + STDIO_SESSION);
                    assertThat(session.path("role").asString()).isEqualTo("dispatcher");
                    assertThat(session.path("connected").asBoolean()).isTrue();
                });
        Eventually.await(
                () -> processesOfThisHome().isEmpty(),
                "the proxies to exit with the Inspector that ran them",
                Duration.ofSeconds(30));
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"http", "sse"})
    void given_the_token_when_the_inspector_connects_to_the_daemon_then_it_sees_every_channel_tool_and_the_status(
            String transport) throws Exception {
        String url = endpoint(transport);

        InspectorCli.Run list = inspector.run(
                options(url, "--transport", transport, "--header", bearer(), "--method", "tools/list", "--strict"));
        InspectorCli.Run status = inspector.run(options(
                url,
                "--transport",
                transport,
                "--header",
                bearer(),
                "--method",
                "tools/call",
                "--tool-name",
                "feishu_channel_status"));

        assertThat(list.exitCode())
                .as("tools/list exit code" + list.diagnostics())
                .isZero();
        assertThat(toolNames(list))
                .as("tools over " + transport + list.diagnostics())
                .containsAll(CHANNEL_TOOLS);
        assertThat(status.exitCode())
                .as("tools/call exit code" + status.diagnostics())
                .isZero();
        JsonNode s = statusJson(status);
        assertThat(s.path("daemon").path("http_url").asString())
                .isEqualTo(world.daemon().httpUrl());
        assertThat(sessions(s))
                .as("an " + transport + " session in the status" + status.diagnostics())
                .anySatisfy(session -> {
                    assertThat(session.path("metadata").path("transport").asString())
                            .isEqualTo(transport);
                    assertThat(session.path("connected").asBoolean()).isTrue();
                });
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"http", "sse"})
    void
            given_no_token_when_the_inspector_connects_then_it_exits_non_zero_reporting_the_refusal_and_the_daemon_answers_401(
                    String transport) throws Exception {
        Set<String> before = liveSessionIds();

        InspectorCli.Run refused = inspector.run(
                options("--stored-auth-only", endpoint(transport), "--transport", transport, "--method", "tools/list"));
        HttpResponse<String> raw = withoutToken(transport);

        assertThat(refused.exitCode()).as("exit code" + refused.diagnostics()).isNotZero();
        assertThat(refused.stdout()).as("stdout of a refused run").isBlank();
        JsonNode error = refused.error();
        assertThat(error.path("code").asString())
                .as("error code" + refused.diagnostics())
                .isEqualTo("auth_required");
        assertThat(error.path("message").asString())
                .as("error message" + refused.diagnostics())
                .contains(transport.equals("http") ? "\"error\":\"unauthorized\"" : "(401)");
        assertThat(raw.statusCode())
                .as("the same first request without the token")
                .isEqualTo(401);
        assertThat(raw.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(raw.body()).contains("\"error\":\"unauthorized\"").doesNotContain(token);
        assertThat(liveSessionIds())
                .as("no session registered by refused requests")
                .isSubsetOf(before);
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"http", "sse"})
    void given_a_foreign_origin_when_the_inspector_connects_even_with_the_token_then_it_exits_non_zero_reporting_403(
            String transport) throws Exception {
        Set<String> before = liveSessionIds();

        InspectorCli.Run refused = inspector.run(options(
                endpoint(transport),
                "--transport",
                transport,
                "--header",
                bearer(),
                "--header",
                "Origin: " + FOREIGN_ORIGIN,
                "--method",
                "tools/list"));

        assertThat(refused.exitCode()).as("exit code" + refused.diagnostics()).isNotZero();
        assertThat(refused.stdout()).as("stdout of a refused run").isBlank();
        JsonNode error = refused.error();
        assertThat(error.path("status").asInt())
                .as("HTTP status the Inspector reports" + refused.diagnostics())
                .isEqualTo(403);
        assertThat(error.path("message").asString())
                .as("error message" + refused.diagnostics())
                .contains("403");
        assertThat(liveSessionIds())
                .as("no session registered by refused requests")
                .isSubsetOf(before);
    }

    /** {@code java … dev.larkhandoff.server.cli.Main stdio} from this test's classpath, as .mcp.json would run it. */
    private static List<String> proxyCommand() {
        return List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xshare:auto",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "stdio");
    }

    /** One JSON object on stdout (or an error envelope on stderr), a connect timeout for slow machines, then these. */
    private static List<String> options(String... more) {
        List<String> args = new ArrayList<>(List.of(
                "--format", "json", "--connect-timeout", String.valueOf(InspectorCli.CONNECT_TIMEOUT.toMillis())));
        args.addAll(List.of(more));
        return args;
    }

    /** Inspector options, then the server command it launches, then the method: the stdio form of the CLI. */
    private static List<String> stdio(List<String> proxy, String... method) {
        List<String> args = options(
                "-e",
                "LARK_HANDOFF_HOME=" + home,
                "-e",
                "LARK_HANDOFF_SESSION_ID=" + STDIO_SESSION,
                "-e",
                "LARK_HANDOFF_ROLE=dispatcher");
        args.addAll(proxy);
        args.addAll(List.of(method));
        return args;
    }

    private static String bearer() {
        return "Authorization: Bearer " + token;
    }

    /** Where the daemon's {@code http.json} says the transport is served. */
    private static String endpoint(String transport) {
        return endpoints.path(transport.equals("http") ? "mcp" : "sse").asString();
    }

    private static List<String> toolNames(InspectorCli.Run list) {
        JsonNode tools = list.result().path("tools");
        assertThat(tools.isArray()).as("result.tools" + list.diagnostics()).isTrue();
        return StreamSupport.stream(tools.spliterator(), false)
                .map(t -> t.path("name").asString())
                .toList();
    }

    private static JsonNode statusJson(InspectorCli.Run status) {
        String text = status.toolText();
        assertThat(text).as("feishu_channel_status text" + status.diagnostics()).contains("lease_epoch");
        JsonNode json = ServerJson.mapper().readTree(text);
        assertThat(json.has("lease_epoch")).as("lease_epoch in " + text).isTrue();
        assertThat(json.path("daemon").path("version").asString()).isEqualTo(BuildInfo.version());
        return json;
    }

    private static List<JsonNode> sessions(JsonNode status) {
        return StreamSupport.stream(status.path("sessions").spliterator(), false)
                .toList();
    }

    private static Set<String> liveSessionIds() {
        return world.daemon().registry().live().stream()
                .map(LiveSession::sessionId)
                .collect(Collectors.toSet());
    }

    /** The first request the Inspector sends on this transport, sent plainly without the token. */
    private static HttpResponse<String> withoutToken(String transport) throws IOException, InterruptedException {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(endpoint(transport))).timeout(Duration.ofSeconds(30));
        if (transport.equals("http")) {
            request.header("Content-Type", "application/json")
                    .header("Accept", "application/json, text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
                            + "\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                            + "\"clientInfo\":{\"name\":\"no-token\",\"version\":\"1\"}}}"));
        } else {
            request.header("Accept", "text/event-stream").GET();
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<ProcessHandle> processesOfThisHome() {
        return TestWorld.processesOf(home);
    }
}
