package dev.larkhandoff.server.proxy;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.config.SessionIdentity;
import dev.larkhandoff.server.ipc.DaemonClient;
import dev.larkhandoff.server.mcp.McpSurface;
import dev.larkhandoff.server.session.Delivery;
import dev.larkhandoff.server.tool.ToolCall;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolSpec;
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
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
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

    private static final Consumer<Boolean> NOTHING_TO_SETTLE = reached -> {};
    private static final Logger log = LoggerFactory.getLogger(StdioProxy.class);
    /** The SDK's own per-line bound, kept the same here. */
    static final int MAX_LINE = 16 * 1024 * 1024;

    private static final int REMEMBERED = 10_000;
    /** A waiting tool's longest timeout, and the default of the longest-waiting tool (the handoff loop's). */
    private static final long MAX_WAIT_SECONDS = 3_600;

    private static final long DEFAULT_WAIT_SECONDS = 600;
    /** Time for the daemon to answer once a wait has ended: Lark calls with their retries fit well within it. */
    private static final long DEADLINE_MARGIN_SECONDS = 90;

    private final LineAtomicOutput stdout;
    private final DaemonLink link;
    private final Object deliveryLock = new Object();
    private final Set<String> written = new LinkedHashSet<>();
    private final List<Map.Entry<DaemonClient, Delivery>> early = new ArrayList<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    /** Calls forwarded to the daemon and not answered yet, by their request key. */
    private final Map<String, CompletableFuture<ToolResult>> calling = new ConcurrentHashMap<>();
    /** Results that hand over messages, by request key, until the line carrying them reached stdout. */
    private final Map<String, ToolResult.Receipt> awaitingWrite = new ConcurrentHashMap<>();

    private boolean initialized;

    private StdioProxy(OutputStream out, Path home, SessionIdentity identity, String version, Duration startTimeout) {
        this.stdout = new LineAtomicOutput(out, this::lineWriting);
        this.link = new DaemonLink(home, identity, version, new DaemonLauncher(home, startTimeout), this::deliver);
    }

    /**
     * Serves one MCP session on {@code in}/{@code out} until {@code in} ends. Connects to (or starts) the daemon
     * first, since the tools it lists come from there.
     */
    public static void run(
            InputStream in,
            OutputStream out,
            Path home,
            SessionIdentity identity,
            String version,
            Duration startTimeout)
            throws IOException, InterruptedException {
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
            tools.add(McpSurface.tool(spec, (exchange, requestKey, call) -> forward(spec.name(), requestKey, call)));
        }
        McpSyncServer server = McpServer.sync(provider)
                .serverInfo(McpSurface.SERVER_NAME, version)
                .instructions(McpSurface.INSTRUCTIONS)
                .capabilities(McpSurface.capabilities())
                .validateToolInputs(false)
                .tools(tools)
                .build();
        Thread filter = new Thread(
                new StdinFilter(
                        in,
                        feed,
                        stdout,
                        new StdinFilter.Listener() {
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

                            @Override
                            public void cancelled(String requestKey) {
                                cancel(requestKey);
                            }
                        },
                        MAX_LINE),
                "stdin-filter");
        filter.setDaemon(true);
        filter.start();
        ended.await();
        link.close();
        server.closeGracefully();
    }

    /**
     * Forwards one call and waits for the daemon's answer, never longer than the call's own timeout plus a margin:
     * a daemon that never answers cannot hang the agent. A result that hands over messages is settled when the
     * line carrying it reaches stdout ({@link #lineWriting}), or dropped if the client cancelled meanwhile.
     */
    private ToolResult forward(String name, String requestKey, ToolCall call) {
        CompletableFuture<ToolResult> pending = link.call(name, call.arguments(), call.progress());
        if (requestKey != null) {
            calling.put(requestKey, pending);
        }
        long deadline = deadlineSeconds(call.arguments());
        try {
            ToolResult result = pending.get(deadline, TimeUnit.SECONDS);
            if (result.needsReceipt()) {
                if (requestKey == null) {
                    result.receipt().written(); // cannot be matched to its line; the SDK writes it right away
                } else {
                    awaitingWrite.put(requestKey, result.receipt());
                }
            }
            return result;
        } catch (TimeoutException e) {
            pending.cancel(true);
            return ToolResult.error("the lark-handoff daemon did not answer " + name + " within " + deadline
                    + " s; the call was cancelled there. Call it again.");
        } catch (CancellationException e) {
            return ToolResult.error(name + " was cancelled");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return ToolResult.error(cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pending.cancel(true);
            return ToolResult.error(name + " was interrupted");
        } finally {
            if (requestKey != null) {
                calling.remove(requestKey, pending);
            }
        }
    }

    /** How long the proxy waits for the daemon: a waiting tool's own timeout plus a margin, else a few minutes. */
    static long deadlineSeconds(Map<String, Object> arguments) {
        Object timeout = arguments == null ? null : arguments.get("timeout_seconds");
        long own = timeout instanceof Number n && n.doubleValue() >= 0
                ? Math.min(n.longValue(), MAX_WAIT_SECONDS)
                : DEFAULT_WAIT_SECONDS;
        return own + DEADLINE_MARGIN_SECONDS;
    }

    /** The client gave up on a request: the daemon stops it, and a result not yet written hands its messages back. */
    private void cancel(String requestKey) {
        CompletableFuture<ToolResult> pending = calling.remove(requestKey);
        if (pending != null) {
            pending.cancel(true);
        }
        ToolResult.Receipt receipt = awaitingWrite.remove(requestKey);
        if (receipt != null) {
            receipt.dropped();
        }
    }

    /**
     * A line is about to reach stdout: if it is the response a receipt waits for, the receipt is claimed now (a cancel
     * the client sends after reading the line is too late to drop it) and settled by the write's outcome.
     */
    private Consumer<Boolean> lineWriting(byte[] line) {
        if (awaitingWrite.isEmpty()) {
            return NOTHING_TO_SETTLE;
        }
        JsonNode id;
        try {
            id = ServerJson.mapper().readTree(line).path("id");
        } catch (RuntimeException e) {
            return NOTHING_TO_SETTLE;
        }
        ToolResult.Receipt receipt = id.isString() || id.isNumber() ? awaitingWrite.remove(id.toString()) : null;
        if (receipt == null) {
            return NOTHING_TO_SETTLE;
        }
        return reached -> {
            if (reached) {
                receipt.written();
            } else {
                receipt.dropped();
            }
        };
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
            ObjectNode answer = ServerJson.mapper()
                    .createObjectNode()
                    .put("jsonrpc", "2.0")
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
    private void deliver(DaemonClient from, Delivery message) {
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

    private void write(DaemonClient from, Delivery message) {
        String eventId = message.eventId();
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
    static ObjectNode notification(Delivery message) {
        ObjectNode n = ServerJson.mapper()
                .createObjectNode()
                .put("jsonrpc", "2.0")
                .put("method", McpSurface.CHANNEL_NOTIFICATION);
        ObjectNode params = n.putObject("params");
        params.put("content", message.content());
        ObjectNode meta = params.putObject("meta");
        Map<String, String> clean = new LinkedHashMap<>();
        message.meta().forEach((key, value) -> {
            if (key.matches("[A-Za-z0-9_]+")) {
                clean.put(key, value);
            }
        });
        clean.forEach(meta::put);
        return n;
    }
}
