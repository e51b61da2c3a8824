package dev.larkhandoff.server.world;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One agent session as Claude Code runs it: a real {@code lark-handoff stdio} child process driven by the MCP
 * Java SDK client, with the channel notifications it receives collected in order.
 */
public final class AgentSession implements AutoCloseable {

    /** What a tool call answered. */
    public record Answer(String text, boolean isError) {}

    public final String sessionId;
    private final McpSyncClient client;
    private final CapturingTransport transport;

    private AgentSession(String sessionId, McpSyncClient client, CapturingTransport transport) {
        this.sessionId = sessionId;
        this.client = client;
        this.transport = transport;
    }

    /** Starts a proxy for {@code home} as session {@code id} ({@code role} dispatcher or session) and initializes. */
    public static AgentSession start(Path home, String id, String role, Map<String, String> meta) {
        return start(home, id, role, meta, Map.of());
    }

    /** As {@link #start(Path, String, String, Map)}, with more environment for the proxy. */
    public static AgentSession start(
            Path home, String id, String role, Map<String, String> meta, Map<String, String> extraEnv) {
        Map<String, String> env = new LinkedHashMap<>(extraEnv);
        env.put("LARK_HANDOFF_HOME", home.toString());
        env.put("LARK_HANDOFF_SESSION_ID", id);
        env.put("LARK_HANDOFF_ROLE", role);
        env.put("CLAUDE_PROJECT_DIR", home.toString());
        meta.forEach((k, v) -> env.put("LARK_HANDOFF_META_" + k.toUpperCase(), v));
        List<String> cmd = ChildJvm.command("stdio");
        ServerParameters params = ServerParameters.builder(cmd.get(0))
                .args(cmd.subList(1, cmd.size()))
                .env(env)
                .build();
        StdioClientTransport stdio = new StdioClientTransport(params, McpJsonDefaults.getMapper());
        stdio.setStdErrorHandler(line -> System.err.println("[proxy " + id + "] " + line));
        CapturingTransport transport = new CapturingTransport(stdio);
        McpSyncClient client = McpClient.sync(transport)
                .requestTimeout(Duration.ofSeconds(60))
                .initializationTimeout(Duration.ofSeconds(120))
                .clientInfo(new McpSchema.Implementation("scenario-test", "1.0"))
                .build();
        client.initialize();
        return new AgentSession(id, client, transport);
    }

    public Answer call(String tool, Map<String, Object> args) {
        McpSchema.CallToolResult r = client.callTool(new McpSchema.CallToolRequest(tool, args));
        StringBuilder text = new StringBuilder();
        r.content().forEach(c -> {
            if (c instanceof McpSchema.TextContent t) {
                text.append(t.text());
            }
        });
        return new Answer(text.toString(), Boolean.TRUE.equals(r.isError()));
    }

    /** Sends a notification as Claude Code would (the SDK client has no call for custom ones). */
    public void notify(String method, Map<String, Object> params) {
        transport
                .sendMessage(new McpSchema.JSONRPCNotification(McpSchema.JSONRPC_VERSION, method, params))
                .block();
    }

    /** The next channel permission answer from the server, waiting up to {@code timeout}; null when none came. */
    public Map<String, Object> nextPermissionAnswer(Duration timeout) throws InterruptedException {
        return transport.permissionAnswers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The experimental capabilities the server declared. */
    public Map<String, Object> experimentalCapabilities() {
        return client.getServerCapabilities().experimental();
    }

    public List<String> toolNames() {
        List<String> names = new ArrayList<>();
        client.listTools().tools().forEach(t -> names.add(t.name()));
        return names;
    }

    /** The next channel event, waiting up to {@code timeout}; null when none came. */
    public Map<String, Object> nextEvent(Duration timeout) throws InterruptedException {
        return transport.channelEvents.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Channel events received so far and not yet taken. */
    public List<Map<String, Object>> drainEvents() {
        List<Map<String, Object>> out = new ArrayList<>();
        transport.channelEvents.drainTo(out);
        return out;
    }

    @Override
    public void close() {
        try {
            client.closeGracefully();
        } catch (RuntimeException e) {
            client.close();
        }
    }
}
