package dev.larkhandoff.server.http;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.daemon.ToolResult;
import dev.larkhandoff.server.mcp.McpSurface;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStreamableServerTransport;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import reactor.core.publisher.Mono;

/**
 * Ties the tool calls of Streamable HTTP sessions to their requests: each {@code tools/call} is stamped with its
 * JSON-RPC id before the SDK runs it, a client's {@code notifications/cancelled} reaches the call, and a result that
 * hands over messages counts as delivered only once the SDK has written the response carrying it.
 */
final class HttpCalls {

    private static final String CANCELLED = "notifications/cancelled";

    private final Map<String, ToolResult.Receipt> awaitingWrite = new ConcurrentHashMap<>();
    private final BiConsumer<String, String> cancelCall;

    /** @param cancelCall (MCP session id, request key) of a call its client cancelled */
    HttpCalls(BiConsumer<String, String> cancelCall) {
        this.cancelCall = cancelCall;
    }

    static String keyOf(Object jsonRpcId) {
        return ServerJson.mapper().writeValueAsString(jsonRpcId);
    }

    /** The request, with {@code tools/call} stamped with its key in {@code _meta}; anything else unchanged. */
    static McpSchema.JSONRPCRequest stamp(McpSchema.JSONRPCRequest request) {
        if (!McpSchema.METHOD_TOOLS_CALL.equals(request.method()) || request.id() == null
                || !(request.params() instanceof Map<?, ?> params)) {
            return request;
        }
        Map<String, Object> stamped = new LinkedHashMap<>();
        params.forEach((k, v) -> stamped.put(String.valueOf(k), v));
        Map<String, Object> meta = new LinkedHashMap<>();
        if (stamped.get("_meta") instanceof Map<?, ?> old) {
            old.forEach((k, v) -> meta.put(String.valueOf(k), v));
        }
        meta.put(McpSurface.REQUEST_KEY, keyOf(request.id()));
        stamped.put("_meta", meta);
        return new McpSchema.JSONRPCRequest(request.jsonrpc(), request.method(), request.id(), stamped);
    }

    /** A notification from the client; a cancel stops its call and drops a result not written yet. */
    void notification(String mcpSessionId, McpSchema.JSONRPCNotification notification) {
        if (!CANCELLED.equals(notification.method())
                || !(notification.params() instanceof Map<?, ?> params) || params.get("requestId") == null) {
            return;
        }
        String key = keyOf(params.get("requestId"));
        cancelCall.accept(mcpSessionId, key);
        ToolResult.Receipt receipt = awaitingWrite.remove(mcpSessionId + "\u0000" + key);
        if (receipt != null) {
            receipt.dropped();
        }
    }

    /** A result that must be settled once the response carrying it is written. */
    void awaitWrite(String mcpSessionId, String key, ToolResult.Receipt receipt) {
        awaitingWrite.put(mcpSessionId + "\u0000" + key, receipt);
    }

    /** The SDK's transport for one request, settling receipts as the response is (or fails to be) written. */
    McpStreamableServerTransport observe(String mcpSessionId, McpStreamableServerTransport transport) {
        return new McpStreamableServerTransport() {
            @Override
            public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message, String messageId) {
                return settleOn(message, transport.sendMessage(message, messageId));
            }

            @Override
            public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
                return settleOn(message, transport.sendMessage(message));
            }

            private Mono<Void> settleOn(McpSchema.JSONRPCMessage message, Mono<Void> send) {
                if (!(message instanceof McpSchema.JSONRPCResponse response) || response.id() == null
                        || awaitingWrite.isEmpty()) {
                    return send;
                }
                String k = mcpSessionId + "\u0000" + keyOf(response.id());
                return send.doOnSuccess(v -> settle(k, true)).doOnError(e -> settle(k, false))
                        .doOnCancel(() -> settle(k, false));
            }

            @Override
            public Mono<Void> closeGracefully() {
                return transport.closeGracefully();
            }

            @Override
            public void close() {
                transport.close();
            }

            @Override
            public <T> T unmarshalFrom(Object data, io.modelcontextprotocol.json.TypeRef<T> typeRef) {
                return transport.unmarshalFrom(data, typeRef);
            }

            @Override
            public java.util.List<String> protocolVersions() {
                return transport.protocolVersions();
            }
        };
    }

    private void settle(String key, boolean written) {
        ToolResult.Receipt receipt = awaitingWrite.remove(key);
        if (receipt == null) {
            return;
        }
        if (written) {
            receipt.written();
        } else {
            receipt.dropped();
        }
    }

    /** The session ended: results never written hand their messages back. */
    void ended(String mcpSessionId) {
        String prefix = mcpSessionId + "\u0000";
        for (var it = awaitingWrite.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().startsWith(prefix)) {
                it.remove();
                e.getValue().dropped();
            }
        }
    }
}
