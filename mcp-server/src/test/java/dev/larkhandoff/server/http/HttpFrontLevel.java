package dev.larkhandoff.server.http;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.channel.ChannelOwnership;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.session.SessionRegistry;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolSchema;
import dev.larkhandoff.server.tool.ToolSpec;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.session.SessionRecord;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.customizer.McpSyncHttpClientRequestCustomizer;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The HTTP front as one level over a {@link TestWorld} with a store: a real registry and ownership on that store, the
 * ownership tools plus {@code whoami} (echoes the caller) and {@code needs_text} (checks its own argument), the front
 * on an ephemeral port once a test {@link #start starts} it, and SDK clients that carry the bearer token. Register with
 * {@code @RegisterExtension}.
 */
final class HttpFrontLevel implements BeforeEachCallback, AfterEachCallback {

    static final String WHOAMI = "whoami";
    static final String NEEDS_TEXT = "needs_text";
    static final String NEEDS_TEXT_ERROR = "needs_text wants a non-empty \"text\"";

    private final TestWorld world = TestWorld.builder().store().build();
    Path home;
    Store store;
    SessionRegistry registry;
    ChannelOwnership ownership;
    ToolCatalog catalog;
    final AtomicInteger registrations = new AtomicInteger();
    final HttpClient http = HttpClient.newHttpClient();
    private final List<McpSyncClient> clients = new CopyOnWriteArrayList<>();
    HttpFront front;
    private final boolean startsAtOnce;

    private HttpFrontLevel(boolean startsAtOnce) {
        this.startsAtOnce = startsAtOnce;
    }

    /** The parts below the front; each test starts the front as it needs it. */
    static HttpFrontLevel stopped() {
        return new HttpFrontLevel(false);
    }

    /** The front started before each test with the default timing and limits. */
    static HttpFrontLevel started() {
        return new HttpFrontLevel(true);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        world.beforeEach(context);
        home = world.home();
        store = world.store();
        registry = new SessionRegistry(store.sessions());
        ownership = new ChannelOwnership(store.channel(), registry);
        registry.onRegistered(ownership::registered);
        if (startsAtOnce) {
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        clients.forEach(c -> {
            try {
                c.close();
            } catch (RuntimeException e) {
                // the server may be gone already
            }
        });
        if (front != null) {
            front.close();
        }
        world.afterEach(context);
    }

    HttpFrontLevel start() throws IOException {
        return start(HttpFront.Timing.DEFAULT);
    }

    HttpFrontLevel start(HttpFront.Timing timing) throws IOException {
        return start(timing, HttpLimits.DEFAULT, ToolCatalog.builder().build());
    }

    HttpFrontLevel start(HttpLimits limits) throws IOException {
        return start(HttpFront.Timing.DEFAULT, limits, ToolCatalog.builder().build());
    }

    /** Starts the front with these limits, and {@code extra} tools besides the usual ones. */
    HttpFrontLevel start(HttpFront.Timing timing, HttpLimits limits, ToolCatalog extra) throws IOException {
        catalog = ToolCatalog.builder()
                .addAll(OwnershipTools.of(ownership, id -> null, () -> null))
                .add(
                        new ToolSpec(WHOAMI, "Echoes the caller.", ToolSchema.none()),
                        call -> ToolResult.ok(String.valueOf(call.callerSessionId())))
                .add(
                        new ToolSpec(
                                NEEDS_TEXT,
                                "Needs a text.",
                                ToolSchema.object()
                                        .required("text", Map.of("type", "string"))
                                        .build()),
                        call -> call.arguments().get("text") instanceof String s && !s.isEmpty()
                                ? ToolResult.ok(s)
                                : ToolResult.error(NEEDS_TEXT_ERROR))
                .addAll(extra)
                .build();
        front = HttpFront.start(
                home,
                0,
                catalog,
                registry,
                registrations::incrementAndGet,
                "9.9.9",
                timing,
                (event, input, caller) -> java.util.Optional.of(ServerJson.mapper()
                        .createObjectNode()
                        .put("event", event)
                        .put("session", caller.explicitSessionId())),
                limits);
        return this;
    }

    String token() throws IOException {
        return Files.readString(home.resolve(HttpToken.FILE_NAME)).strip();
    }

    /** An initialized client over Streamable HTTP, sending the token and these extra headers on every request. */
    McpSyncClient streamable(Map<String, String> headers) throws IOException {
        return connect(HttpClientStreamableHttpTransport.builder(front.url())
                .endpoint(HttpFront.MCP_PATH)
                .httpRequestCustomizer(withHeaders(headers))
                .build());
    }

    /** An initialized client over legacy SSE, sending the token and these extra headers on every request. */
    McpSyncClient sse(Map<String, String> headers) throws IOException {
        return connect(HttpClientSseClientTransport.builder(front.url())
                .sseEndpoint(HttpFront.SSE_PATH)
                .httpRequestCustomizer(withHeaders(headers))
                .build());
    }

    private McpSyncClient connect(McpClientTransport transport) {
        McpSyncClient client = McpClient.sync(transport)
                .requestTimeout(Duration.ofSeconds(10))
                .clientInfo(new McpSchema.Implementation("http-front-test", "1.0"))
                .build();
        clients.add(client);
        client.initialize();
        return client;
    }

    private McpSyncHttpClientRequestCustomizer withHeaders(Map<String, String> headers) throws IOException {
        String bearer = "Bearer " + token();
        return (builder, method, uri, body, context) -> {
            builder.header("Authorization", bearer);
            headers.forEach(builder::header);
        };
    }

    static String text(McpSchema.CallToolResult result) {
        return ((McpSchema.TextContent) result.content().get(0)).text();
    }

    static McpSchema.CallToolResult call(McpSyncClient client, String tool, Map<String, Object> args) {
        return client.callTool(
                McpSchema.CallToolRequest.builder().name(tool).arguments(args).build());
    }

    Optional<SessionRecord> stored(String sessionId) {
        return store.sessions().find(sessionId);
    }

    boolean online(String sessionId) {
        return registry.entry(sessionId).isPresent()
                && stored(sessionId).map(SessionRecord::connected).orElse(false);
    }

    /** Gone from the registry and marked disconnected in the store (the registry drops it first, then writes). */
    boolean offline(String sessionId) {
        return registry.entry(sessionId).isEmpty()
                && stored(sessionId).map(r -> !r.connected()).orElse(false);
    }

    /** A raw request to the front, for what the SDK client would never send. */
    HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(front.url() + path)).timeout(Duration.ofSeconds(10));
    }

    /** A JSON-RPC POST to /mcp as a Streamable HTTP client sends it, with the token. */
    HttpRequest.Builder mcpPost(String json, String mcpSessionId) throws IOException {
        HttpRequest.Builder b = request(HttpFront.MCP_PATH)
                .header("Authorization", "Bearer " + token())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        return mcpSessionId == null ? b : b.header("Mcp-Session-Id", mcpSessionId);
    }

    static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",\
            "capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""";

    /** Initializes a Streamable HTTP session with plain requests (no listening stream); returns its MCP session id. */
    String rawInitialize(Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder init = mcpPost(INITIALIZE, null);
        headers.forEach(init::header);
        HttpResponse<String> response = send(init);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("initialize answered " + response.statusCode() + ": " + response.body());
        }
        String id = response.headers().firstValue("Mcp-Session-Id").orElseThrow();
        send(mcpPost("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", id));
        return id;
    }
}
