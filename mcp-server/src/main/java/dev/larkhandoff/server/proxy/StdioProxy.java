package dev.larkhandoff.server.proxy;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.config.SessionIdentity;
import dev.larkhandoff.server.daemon.DaemonClient;
import dev.larkhandoff.server.daemon.ToolResult;
import dev.larkhandoff.server.daemon.ToolSpec;
import dev.larkhandoff.server.mcp.McpSurface;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The MCP stdio server an agent launches: lists and forwards the daemon's tools, and turns the daemon's
 * deliveries into {@code notifications/claude/channel}, each acknowledged only after its line reached stdout and
 * written at most once however often the daemon replays it. Ends when stdin ends.
 */
public final class StdioProxy {

    private static final Logger log = LoggerFactory.getLogger(StdioProxy.class);
    /** The SDK's own per-line bound, kept the same here. */
    static final int MAX_LINE = 16 * 1024 * 1024;
    private static final int REMEMBERED = 10_000;

    private final LineAtomicOutput stdout;
    private final DaemonLink link;
    private final Object deliveryLock = new Object();
    private final Set<String> written = new LinkedHashSet<>();
    private final List<Map.Entry<DaemonClient, JsonNode>> early = new ArrayList<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private boolean initialized;

    private StdioProxy(OutputStream out, Path home, SessionIdentity identity, String version, Duration startTimeout) {
        this.stdout = new LineAtomicOutput(out);
        this.link = new DaemonLink(home, identity, version, new DaemonLauncher(home, startTimeout), this::deliver);
    }

    /**
     * Serves one MCP session on {@code in}/{@code out} until {@code in} ends. Connects to (or starts) the daemon
     * first, since the tools it lists come from there.
     */
    public static void run(InputStream in, OutputStream out, Path home, SessionIdentity identity, String version,
            Duration startTimeout) throws IOException, InterruptedException {
        StdioProxy proxy = new StdioProxy(out, home, identity, version, startTimeout);
        proxy.serve(in, version);
    }

    private void serve(InputStream in, String version) throws IOException, InterruptedException {
        link.connect();
        PipedInputStream sdkIn = new PipedInputStream(1 << 16);
        PipedOutputStream feed = new PipedOutputStream(sdkIn);
        var provider = new StdioServerTransportProvider(McpJsonDefaults.getMapper(), sdkIn, stdout);
        List<McpServerFeatures.SyncToolSpecification> tools = new ArrayList<>();
        for (ToolSpec spec : link.tools()) {
            tools.add(McpSurface.tool(spec, (exchange, call) -> forward(spec.name(), call)));
        }
        McpSyncServer server = McpServer.sync(provider)
                .serverInfo(McpSurface.SERVER_NAME, version)
                .instructions(McpSurface.INSTRUCTIONS)
                .capabilities(McpSurface.capabilities())
                .validateToolInputs(false)
                .tools(tools)
                .build();
        Thread filter = new Thread(new StdinFilter(in, feed, stdout, new StdinFilter.Listener() {
            @Override
            public void initialized() {
                flushEarly();
            }

            @Override
            public void endOfInput() {
                ended.countDown();
            }

            @Override
            public void permissionRequest(JsonNode params) {
                relayPermission(params);
            }
        }, MAX_LINE), "stdin-filter");
        filter.setDaemon(true);
        filter.start();
        ended.await();
        link.close();
        server.closeGracefully();
    }

    private ToolResult forward(String name, dev.larkhandoff.server.daemon.ToolCall call) {
        try {
            return link.call(name, call.arguments(), call.progress()).join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return ToolResult.error(cause.getMessage());
        }
    }

    /**
     * Asks the daemon to put Claude Code's approval prompt to the handoff group; a decision is written back as the
     * channel's permission answer. No decision (no handoff, no answer in time) writes nothing, so the terminal's
     * own dialog decides.
     */
    private void relayPermission(JsonNode params) {
        String requestId = params.path("request_id").asString("");
        if (requestId.isEmpty()) {
            return;
        }
        link.permissionRequest(params).whenComplete((behavior, error) -> {
            if (error != null || behavior == null || behavior.isEmpty()) {
                return;
            }
            ObjectNode answer = ServerJson.mapper().createObjectNode().put("jsonrpc", "2.0")
                    .put("method", McpSurface.PERMISSION_ANSWER);
            answer.putObject("params").put("request_id", requestId).put("behavior", behavior);
            try {
                stdout.writeLine(answer.toString());
            } catch (IOException e) {
                log.warn("could not write the permission answer for {}: {}", requestId, e.getMessage());
            }
        });
    }

    /** A delivery from the daemon: held until the client has initialized, then written once and acknowledged. */
    private void deliver(DaemonClient from, JsonNode message) {
        synchronized (deliveryLock) {
            if (!initialized) {
                early.add(Map.entry(from, message));
                return;
            }
            write(from, message);
        }
    }

    private void flushEarly() {
        synchronized (deliveryLock) {
            initialized = true;
            early.forEach(e -> write(e.getKey(), e.getValue()));
            early.clear();
        }
    }

    private void write(DaemonClient from, JsonNode message) {
        String eventId = message.path("event_id").asString("");
        if (written.contains(eventId)) {
            // A replay of something the agent already has (the earlier ack was lost): confirm it again, no rewrite.
            from.ack(eventId);
            return;
        }
        try {
            stdout.writeLine(notification(message).toString());
        } catch (IOException e) {
            log.warn("could not write a channel event to stdout; it stays pending in the daemon: {}", e.getMessage());
            return;
        }
        written.add(eventId);
        if (written.size() > REMEMBERED) {
            var it = written.iterator();
            it.next();
            it.remove();
        }
        from.ack(eventId);
    }

    /** The JSON-RPC notification for one delivery; meta keys are kept to what Claude Code accepts. */
    static ObjectNode notification(JsonNode message) {
        ObjectNode n = ServerJson.mapper().createObjectNode().put("jsonrpc", "2.0")
                .put("method", McpSurface.CHANNEL_NOTIFICATION);
        ObjectNode params = n.putObject("params");
        params.put("content", message.path("content").asString(""));
        ObjectNode meta = params.putObject("meta");
        Map<String, String> clean = new LinkedHashMap<>();
        message.path("meta").properties().forEach(e -> {
            if (e.getKey().matches("[A-Za-z0-9_]+") && e.getValue().isValueNode()) {
                clean.put(e.getKey(), e.getValue().asString());
            }
        });
        clean.forEach(meta::put);
        return n;
    }
}
