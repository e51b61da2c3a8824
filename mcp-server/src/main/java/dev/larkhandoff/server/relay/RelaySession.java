package dev.larkhandoff.server.relay;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.ipc.FrameDecoder;
import dev.larkhandoff.server.ipc.IpcConnection;
import dev.larkhandoff.server.ipc.IpcMessage;
import dev.larkhandoff.server.mcp.JsonRpcLines;
import dev.larkhandoff.server.mcp.McpSurface;
import dev.larkhandoff.server.session.Delivery;
import dev.larkhandoff.server.session.LiveSession;
import dev.larkhandoff.server.session.RunningCalls;
import dev.larkhandoff.server.session.SessionLink;
import dev.larkhandoff.server.tool.ToolResult;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerSession;
import io.modelcontextprotocol.spec.McpServerTransport;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One agent's MCP session as the daemon hosts it for a relay: the SDK's transport (its lines go out as
 * {@link IpcMessage.McpOut}) and the session's link (a delivery becomes a channel notification, sent only once the
 * client has initialized, and delivered once the relay says it reached stdout). Lines from the agent are checked
 * ({@link JsonRpcLines}), a tool call stamped with its id (so a cancel stops it and its response settles what it
 * handed over), and Claude Code's channel permission requests and cancels taken out before the SDK.
 */
final class RelaySession implements McpServerTransport, SessionLink {

    private static final Logger log = LoggerFactory.getLogger(RelaySession.class);

    private final IpcConnection connection;
    private final LiveSession live;
    /** Where this session's tool calls run, tied to this link and their request id (a cancel stops one). */
    private final RunningCalls calls;

    private final McpJsonMapper json;
    /** Where tool calls run: one may wait for an hour, so never on the connection's reader. */
    private final reactor.core.scheduler.Scheduler toolThreads;

    private final Consumer<RelaySession> onInitialized;
    private final BiConsumer<RelaySession, JsonNode> onPermissionRequest;
    /** Results that hand over messages, by request key, until the line carrying them is sent. */
    private final Map<String, ToolResult.Receipt> awaitingWrite = new ConcurrentHashMap<>();
    /** Sent results that hand over messages, by receipt id, until the relay says whether they reached stdout. */
    private final Map<String, ToolResult.Receipt> awaitingRelay = new ConcurrentHashMap<>();

    private volatile McpServerSession sdk;
    private volatile boolean initialized;

    RelaySession(
            IpcConnection connection,
            LiveSession live,
            RunningCalls calls,
            McpJsonMapper json,
            reactor.core.scheduler.Scheduler toolThreads,
            Consumer<RelaySession> onInitialized,
            BiConsumer<RelaySession, JsonNode> onPermissionRequest) {
        this.connection = connection;
        this.live = live;
        this.calls = calls;
        this.json = json;
        this.toolThreads = toolThreads;
        this.onInitialized = onInitialized;
        this.onPermissionRequest = onPermissionRequest;
    }

    void attach(McpServerSession session) {
        this.sdk = session;
    }

    String sdkId() {
        return sdk.getId();
    }

    LiveSession live() {
        return live;
    }

    /** One line of the agent's stdin, on the connection's reader thread, in order. */
    void received(String line) {
        if (line.isBlank()) {
            return;
        }
        JsonRpcLines.Checked checked = JsonRpcLines.check(line);
        if (checked instanceof JsonRpcLines.Refused refused) {
            log.warn("refused a line from {}: {}", connection.name(), refused.problem());
            write(refused.errorLine());
            return;
        }
        JsonRpcLines.Accepted accepted = (JsonRpcLines.Accepted) checked;
        ObjectNode message = accepted.message();
        String method = accepted.method();
        if (McpSurface.PERMISSION_REQUEST.equals(method)) {
            onPermissionRequest.accept(this, message.path("params"));
            return;
        }
        if ("notifications/cancelled".equals(method)) {
            JsonNode requestId = message.path("params").path("requestId");
            if (requestId.isString() || requestId.isNumber()) {
                cancelled(JsonRpcLines.key(requestId));
            }
            return;
        }
        JsonNode id = message.get("id");
        if ("tools/call".equals(method) && id != null && message.path("params").isObject()) {
            ObjectNode params = (ObjectNode) message.get("params");
            JsonNode meta = params.get("_meta");
            ObjectNode stamped = meta != null && meta.isObject() ? (ObjectNode) meta : params.putObject("_meta");
            stamped.put(McpSurface.REQUEST_KEY, JsonRpcLines.key(id));
        }
        McpSchema.JSONRPCMessage parsed;
        try {
            parsed = McpSchema.deserializeJsonRpcMessage(json, message.toString());
        } catch (java.io.IOException | RuntimeException e) {
            write(JsonRpcLines.error(
                    JsonRpcLines.validId(id) ? id : null, -32600, "Invalid Request: " + e.getMessage()));
            return;
        }
        Mono<Void> handled = sdk.handle(parsed);
        if ("tools/call".equals(method)) {
            handled = handled.subscribeOn(toolThreads);
        }
        // Everything else in order, here: initialize is answered before initialized or a call is looked at.
        handled.subscribe(null, e -> log.warn("the MCP session of {} failed a message: {}", name(), e.getMessage()));
        if ("notifications/initialized".equals(method) && !initialized) {
            initialized = true;
            onInitialized.accept(this);
        }
    }

    /** The client gave up on a request: the daemon stops it, and a result not sent yet hands its messages back. */
    private void cancelled(String requestKey) {
        ToolResult.Receipt receipt = awaitingWrite.remove(requestKey);
        if (receipt != null) {
            receipt.dropped();
        }
        calls.cancel(this, requestKey);
    }

    /** A result for {@code requestKey} hands over messages: they count as delivered once its line reached stdout. */
    void awaitWrite(String requestKey, ToolResult.Receipt receipt) {
        awaitingWrite.put(requestKey, receipt);
    }

    boolean settle(String receiptId, boolean written) {
        ToolResult.Receipt receipt = awaitingRelay.remove(receiptId);
        if (receipt == null) {
            return false;
        }
        if (written) {
            receipt.written();
        } else {
            receipt.dropped();
        }
        return true;
    }

    /** Writes a line of the daemon's own (an error, a permission answer) to the agent. */
    void write(String line) {
        connection.send(new IpcMessage.McpOut(line, null, null));
    }

    Mono<Void> notify(String method, Object params) {
        McpServerSession s = sdk;
        return s == null || !initialized
                ? Mono.empty()
                : s.sendNotification(method, params).onErrorResume(e -> Mono.empty());
    }

    /** The connection ended or the daemon stops: the SDK session ends, and every unsettled result waits again. */
    void end() {
        McpServerSession s = sdk;
        if (s != null) {
            s.close();
        }
        awaitingWrite.values().forEach(ToolResult.Receipt::dropped);
        awaitingWrite.clear();
        awaitingRelay.values().forEach(ToolResult.Receipt::dropped);
        awaitingRelay.clear();
    }

    // ---- McpServerTransport: the SDK's lines to the agent ----

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
        return Mono.fromRunnable(() -> send(message));
    }

    private void send(McpSchema.JSONRPCMessage message) {
        String line = ServerJson.mapper().writeValueAsString(message);
        String receiptId = null;
        ToolResult.Receipt receipt = null;
        if (message instanceof McpSchema.JSONRPCResponse response && response.id() != null) {
            receipt = awaitingWrite.remove(ServerJson.mapper().writeValueAsString(response.id()));
            if (receipt != null) {
                receiptId = UUID.randomUUID().toString();
                awaitingRelay.put(receiptId, receipt);
            }
        }
        IpcConnection.Sent sent = connection.trySend(new IpcMessage.McpOut(line, null, receiptId));
        if (sent == IpcConnection.Sent.SENT) {
            return;
        }
        if (receiptId != null && awaitingRelay.remove(receiptId) != null) {
            receipt.dropped();
        }
        if (sent == IpcConnection.Sent.TOO_LARGE && message instanceof McpSchema.JSONRPCResponse response) {
            log.warn("a response of {} characters does not fit in a frame; answering an error instead", line.length());
            McpSchema.CallToolResult error = McpSchema.CallToolResult.builder()
                    .addTextContent("the result was too large to send (over "
                            + FrameDecoder.DEFAULT_MAX_FRAME / (1024 * 1024)
                            + " MiB); nothing in it was consumed. Ask for less (a smaller limit) and call again.")
                    .isError(true)
                    .build();
            connection.trySend(new IpcMessage.McpOut(
                    ServerJson.mapper()
                            .writeValueAsString(new McpSchema.JSONRPCResponse(
                                    McpSchema.JSONRPC_VERSION, response.id(), error, null)),
                    null,
                    null));
        }
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
        return json.convertValue(data, typeRef);
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.empty();
    }

    // ---- SessionLink: the router's pushes ----

    @Override
    public boolean deliver(Delivery delivery) {
        if (!initialized) {
            return false; // stays pending; replayed once the client has initialized
        }
        String line = McpSurface.channelNotification(delivery).toString();
        return connection.send(new IpcMessage.McpOut(line, delivery.eventId(), null));
    }

    @Override
    public boolean isOpen() {
        return connection.isOpen();
    }

    @Override
    public void close() {
        connection.close();
    }

    @Override
    public String name() {
        return connection.name();
    }
}
