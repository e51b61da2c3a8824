package dev.larkhandoff.server.http;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.tool.ToolResult;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStreamableServerTransport;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import reactor.core.publisher.Mono;

/**
 * Ties the tool calls of Streamable HTTP sessions to their requests: each {@code tools/call}'s JSON-RPC id is noted
 * from its body before the SDK runs it, a client's {@code notifications/cancelled} reaches the call, and a result that
 * hands over messages counts as delivered only once the SDK has written the response carrying it.
 */
final class HttpCalls {

    private static final String CANCELLED = "notifications/cancelled";

    private final Map<CallKey, ToolResult.Receipt> awaitingWrite = new ConcurrentHashMap<>();
    /** One request of one MCP session. */
    private record CallKey(String mcpSessionId, String requestKey) {}

    private final BiConsumer<String, String> cancelCall;

    /** @param cancelCall (MCP session id, request key) of a call its client cancelled */
    HttpCalls(BiConsumer<String, String> cancelCall) {
        this.cancelCall = cancelCall;
    }

    private static final String REQUEST_ATTRIBUTE = HttpCalls.class.getName() + ".requestKey";

    /**
     * Notes the key of a {@code tools/call} request from its body (read whole before the SDK sees it), so the call
     * can be matched to its cancel and its response: the SDK hands a tool neither the request nor its id.
     */
    static void noteRequestKey(jakarta.servlet.http.HttpServletRequest request, byte[] body) {
        if (body.length == 0 || body[0] != '{' && !Character.isWhitespace(body[0]) || !contains(body, TOOLS_CALL)) {
            return; // only a tool call is parsed a second time (the SDK parses every body itself)
        }
        try {
            tools.jackson.databind.JsonNode message = ServerJson.mapper().readTree(body);
            tools.jackson.databind.JsonNode id = message.path("id");
            if (McpSchema.METHOD_TOOLS_CALL.equals(message.path("method").asString(""))
                    && (id.isString() || id.isIntegralNumber())) {
                request.setAttribute(REQUEST_ATTRIBUTE, id.toString());
            }
        } catch (RuntimeException e) {
            // Not JSON: the SDK answers it with its own error.
        }
    }

    /** The key {@link #noteRequestKey} found for this request, if it carries a tool call. */
    static java.util.Optional<String> requestKey(jakarta.servlet.http.HttpServletRequest request) {
        return java.util.Optional.ofNullable((String) request.getAttribute(REQUEST_ATTRIBUTE));
    }

    private static final byte[] TOOLS_CALL =
            ("\"" + McpSchema.METHOD_TOOLS_CALL + "\"").getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private static boolean contains(byte[] body, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= body.length; i++) {
            for (int k = 0; k < part.length; k++) {
                if (body[i + k] != part[k]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    static String keyOf(Object jsonRpcId) {
        return ServerJson.mapper().writeValueAsString(jsonRpcId);
    }

    /** A notification from the client; a cancel stops its call and drops a result not written yet. */
    void notification(String mcpSessionId, McpSchema.JSONRPCNotification notification) {
        if (!CANCELLED.equals(notification.method())
                || !(notification.params() instanceof Map<?, ?> params)
                || params.get("requestId") == null) {
            return;
        }
        String key = keyOf(params.get("requestId"));
        cancelCall.accept(mcpSessionId, key);
        ToolResult.Receipt receipt = awaitingWrite.remove(new CallKey(mcpSessionId, key));
        if (receipt != null) {
            receipt.dropped();
        }
    }

    /** A result that must be settled once the response carrying it is written. */
    void awaitWrite(String mcpSessionId, String key, ToolResult.Receipt receipt) {
        awaitingWrite.put(new CallKey(mcpSessionId, key), receipt);
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
                if (!(message instanceof McpSchema.JSONRPCResponse response)
                        || response.id() == null
                        || awaitingWrite.isEmpty()) {
                    return send;
                }
                CallKey k = new CallKey(mcpSessionId, keyOf(response.id()));
                // Claimed when the write starts, not when it ends: the client may read the response and cancel
                // before the send completes, and a cancel that late must not hand the messages out again.
                return Mono.defer(() -> {
                    ToolResult.Receipt receipt = awaitingWrite.remove(k);
                    if (receipt == null) {
                        return send;
                    }
                    return send.doOnSuccess(v -> receipt.written())
                            .doOnError(e -> receipt.dropped())
                            .doOnCancel(receipt::dropped);
                });
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

    /** The session ended: results never written hand their messages back. */
    void ended(String mcpSessionId) {
        for (var it = awaitingWrite.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().mcpSessionId().equals(mcpSessionId)) {
                it.remove();
                e.getValue().dropped();
            }
        }
    }
}
