package dev.larkhandoff.server.mcp;

import dev.larkhandoff.server.tool.ToolCall;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolSpec;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every MCP front (stdio proxy, Streamable HTTP, SSE) shows an agent: the server's name, its instructions,
 * its capabilities, and the daemon's tools adapted to the SDK. The only class that turns our tool types into
 * the SDK's.
 */
public final class McpSurface {

    private static final Logger log = LoggerFactory.getLogger(McpSurface.class);

    public static final String SERVER_NAME = "lark-handoff";
    public static final String CHANNEL_NOTIFICATION = "notifications/claude/channel";
    /**
     * Claude Code's permission relay: with this capability declared it sends {@link #PERMISSION_REQUEST} for a tool
     * approval and takes the first {@link #PERMISSION_ANSWER} (or the terminal's answer, whichever comes first).
     */
    public static final String PERMISSION_CAPABILITY = "claude/channel/permission";

    public static final String PERMISSION_REQUEST = "notifications/claude/channel/permission_request";
    public static final String PERMISSION_ANSWER = "notifications/claude/channel/permission";
    /**
     * The {@code _meta} key under which a front stamps each {@code tools/call} with its JSON-RPC id (as JSON text)
     * before the SDK sees it, so a call can be matched to the client's {@code notifications/cancelled} and to the
     * line that carries its response.
     */
    public static final String REQUEST_KEY = "dev.larkhandoff/request";

    /** Runs one tool call for a front: the exchange, the request's key ({@link #REQUEST_KEY}, or null), the call. */
    @FunctionalInterface
    public interface Handler {
        ToolResult call(McpSyncServerExchange exchange, String requestKey, ToolCall call);
    }

    /** Goes into the agent's system prompt: what a channel event looks like and which tool answers it. */
    public static final String INSTRUCTIONS = """
            Messages from Lark / Feishu arrive as <channel source="lark-handoff" kind="message" chat_id="…" \
            message_id="…" chat_type="p2p|group" sender_id="ou_…" privilege="…"> blocks. The body is the \
            message as Markdown. Answer with the `reply` tool: pass chat_id, and message_id to answer that \
            message in its thread; omit message_id for a new post. Text is Markdown; write <@open_id> to \
            @-mention someone. `react` adds an emoji reaction (Lark emoji_type such as THUMBSUP) and \
            `edit_message` revises a message the bot sent. Sessions in pull mode (HTTP clients, or \
            LARK_HANDOFF_DELIVERY=pull) receive the same events by calling `wait_for_reply`. \
            Only act on events that came through this channel. One Lark channel is shared by a dispatcher \
            and its teammates: check `feishu_channel_status` before and after any ownership change, prefer \
            `feishu_channel_acquire` with {"match": {"teammate_name": "…"}} or a grant followed by the \
            teammate's own acquire, give the channel back with `feishu_channel_return_to_dispatcher`, use \
            `feishu_channel_reclaim` only to recover from a dead owner, and never replay pending messages \
            into another context by hand.""";

    private McpSurface() {}

    /** Tools that can change at runtime, and the channel capability Claude Code looks for. */
    public static McpSchema.ServerCapabilities capabilities() {
        return McpSchema.ServerCapabilities.builder()
                .tools(true)
                .experimental(Map.of("claude/channel", Map.of(), PERMISSION_CAPABILITY, Map.of()))
                .build();
    }

    /**
     * The SDK form of one daemon tool. {@code call} runs it for the exchange; progress the tool reports goes to the
     * client as progress notifications when the request carried a progress token.
     */
    public static McpServerFeatures.SyncToolSpecification tool(ToolSpec spec, Handler call) {
        McpSchema.Tool tool = McpSchema.Tool.builder()
                .name(spec.name())
                .description(spec.description())
                .inputSchema(spec.inputSchema())
                .build();
        return McpServerFeatures.SyncToolSpecification.builder()
                .tool(tool)
                .callHandler((exchange, request) -> result(call.call(
                        exchange,
                        requestKey(request),
                        new ToolCall(null, request.arguments(), progress(exchange, request)))))
                .build();
    }

    private static String requestKey(McpSchema.CallToolRequest request) {
        Object key = request.meta() == null ? null : request.meta().get(REQUEST_KEY);
        return key == null ? null : key.toString();
    }

    /** The JSON-RPC notification that carries one delivery to the agent; meta keys are kept to what Claude Code accepts. */
    public static tools.jackson.databind.node.ObjectNode channelNotification(
            dev.larkhandoff.server.session.Delivery message) {
        tools.jackson.databind.node.ObjectNode n = dev.larkhandoff.server.ServerJson.mapper()
                .createObjectNode()
                .put("jsonrpc", "2.0")
                .put("method", CHANNEL_NOTIFICATION);
        tools.jackson.databind.node.ObjectNode params = n.putObject("params");
        params.put("content", message.content());
        tools.jackson.databind.node.ObjectNode meta = params.putObject("meta");
        message.meta().forEach((key, value) -> {
            if (key.matches("[A-Za-z0-9_]+")) {
                meta.put(key, value);
            }
        });
        return n;
    }

    /** Claude Code's answer to a channel permission request: {@code allow} or {@code deny} for {@code requestId}. */
    public static tools.jackson.databind.node.ObjectNode permissionAnswer(String requestId, String behavior) {
        tools.jackson.databind.node.ObjectNode answer = dev.larkhandoff.server.ServerJson.mapper()
                .createObjectNode()
                .put("jsonrpc", "2.0")
                .put("method", PERMISSION_ANSWER);
        answer.putObject("params").put("request_id", requestId).put("behavior", behavior);
        return answer;
    }

    public static McpSchema.CallToolResult result(ToolResult r) {
        return McpSchema.CallToolResult.builder()
                .addTextContent(r.text())
                .isError(r.isError())
                .build();
    }

    private static ToolCall.Progress progress(McpSyncServerExchange exchange, McpSchema.CallToolRequest request) {
        Object token = request.meta() == null ? null : request.meta().get("progressToken");
        if (token == null) {
            return ToolCall.Progress.NONE;
        }
        return (done, total, message) -> {
            try {
                exchange.progressNotification(new McpSchema.ProgressNotification(token, done, total, message, null));
            } catch (RuntimeException e) {
                log.debug("progress notification not sent: {}", e.getMessage());
            }
        };
    }
}
