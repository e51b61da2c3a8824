package dev.larkhandoff.server.http;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.channel.ChannelOwnership;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.session.SessionRegistry;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolSchema;
import dev.larkhandoff.server.tool.ToolSpec;
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
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A daemon's worth of parts for HTTP front tests: a real store in a temporary home, a real registry and ownership,
 * the ownership tools plus {@code whoami} (echoes the caller) and {@code needs_text} (checks its own argument),
 * the front on an ephemeral port, and SDK clients that carry the bearer token.
 */
final class HttpFrontFixture implements AutoCloseable {

    static final String WHOAMI = "whoami";
    static final String NEEDS_TEXT = "needs_text";
    static final String NEEDS_TEXT_ERROR = "needs_text wants a non-empty \"text\"";

    final Path home;
    final Store store;
    final SessionRegistry registry;
    final ChannelOwnership ownership;
    final ToolCatalog catalog;
    final AtomicInteger registrations = new AtomicInteger();
    final HttpClient http = HttpClient.newHttpClient();
    private final List<McpSyncClient> clients = new CopyOnWriteArrayList<>();
    HttpFront front;

    HttpFrontFixture(Path home) throws IOException {
        this(home, HttpFront.Timing.DEFAULT);
    }

    HttpFrontFixture(Path home, HttpFront.Timing timing) throws IOException {
        this(home, timing, HttpLimits.DEFAULT, ToolCatalog.builder().build());
    }

    HttpFrontFixture(Path home, HttpLimits limits) throws IOException {
        this(home, HttpFront.Timing.DEFAULT, limits, ToolCatalog.builder().build());
    }

    /** With these limits, and {@code extra} tools besides the usual ones. */
    HttpFrontFixture(Path home, HttpFront.Timing timing, HttpLimits limits, ToolCatalog extra) throws IOException {
        this.home = home;
        store = Store.open(home, Clock.systemUTC());
        registry = new SessionRegistry(store.sessions());
        ownership = new ChannelOwnership(store.channel(), registry);
        registry.onRegistered(ownership::registered);
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

    @Override
    public void close() {
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
        store.close();
    }
}
