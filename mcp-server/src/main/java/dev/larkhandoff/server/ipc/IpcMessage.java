package dev.larkhandoff.server.ipc;

import dev.larkhandoff.server.session.Delivery;
import dev.larkhandoff.server.tool.ToolSpec;
import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.store.session.Role;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The daemon socket protocol: every message a stdio proxy (or a one-off client: {@code status}, {@code hook},
 * {@code doctor}, the launcher's probe) and the daemon exchange, one record per message type. {@link IpcCodec} is
 * the one place that turns them into JSON and back.
 *
 * <h2>On the wire</h2>
 * Each message is one JSON object in one frame (a 4-byte big-endian length, then UTF-8 JSON; see
 * {@link FrameDecoder}). Its {@code "type"} names the record ({@link #type()}); the other fields are the record's
 * components in snake_case. A frame that is not a JSON object with a string {@code "type"} closes that
 * connection only.
 *
 * <h2>Versions</h2>
 * A daemon and a proxy of adjacent versions talk to each other during an upgrade, so: a receiver ignores fields it
 * does not know, reads a missing field as its default ({@code ""}, 0, false, absent), and ignores a whole message
 * whose type it does not know ({@link Unknown}). New fields are therefore optional, and a new message type must be
 * one an older peer may safely ignore. Never rename a type or a field.
 *
 * <h2>The conversation</h2>
 * <ol>
 *   <li><b>Handshake.</b> On accepting a connection the daemon sends {@link Hello}. A session's proxy waits for it,
 *       then sends {@link Register}; the daemon records the session and answers {@link Registered} (or
 *       {@link ProtocolError} and closes). Only after {@code registered} may {@link Deliver}s arrive. A one-off
 *       client waits for {@code hello} and never registers; it may call tools that need no caller.</li>
 *   <li><b>Tool calls.</b> The proxy sends {@link ToolRequest} with an id of its choosing; the daemon runs the tool
 *       off its reader thread, may send {@link ToolProgress} for it, and ends it with exactly one
 *       {@link ToolReply}. The proxy sends {@link Cancel} when its caller gave up. A reply with {@code receipt}
 *       hands over inbound messages: the proxy answers {@link Written} once the result reached the agent, or
 *       {@link Dropped} when it did not; until then the messages are not delivered.</li>
 *   <li><b>Deliveries.</b> The daemon pushes each inbound event routed to a push session as {@link Deliver}; the
 *       proxy writes it to the agent, then sends {@link Ack}. Unacknowledged events are sent again on the next
 *       replay.</li>
 *   <li><b>Hooks and permissions.</b> {@link HookRequest} → {@link HookReply};
 *       {@link PermissionRequest} → {@link PermissionReply}; each matched by the id the asker chose.</li>
 *   <li><b>Making way.</b> A newer proxy sends {@link Shutdown}; the daemon answers {@link ShuttingDown}, closes
 *       its Lark connection and exits.</li>
 * </ol>
 * Messages the proxy sends are {@link ToDaemon}, those the daemon sends are {@link ToProxy}; each side dispatches
 * through its {@code Handler}, which has one method per message, so a new message does not compile until both
 * the codec and the receiving side say what to do with it.
 */
public sealed interface IpcMessage permits IpcMessage.ToDaemon, IpcMessage.ToProxy {

    /** The wire {@code "type"}. */
    String type();

    /** A message from a proxy (or a one-off client) to the daemon. */
    sealed interface ToDaemon extends IpcMessage
            permits Register,
                    ToolRequest,
                    Cancel,
                    Written,
                    Dropped,
                    Ack,
                    HookRequest,
                    PermissionRequest,
                    Shutdown,
                    McpIn,
                    Unknown {

        void dispatchTo(Handler handler);

        /** What the daemon does with each message from a peer ({@link DaemonIpc}). */
        interface Handler {
            void mcpIn(McpIn m);

            void register(Register m);

            void toolRequest(ToolRequest m);

            void cancel(Cancel m);

            void written(Written m);

            void dropped(Dropped m);

            void ack(Ack m);

            void hookRequest(HookRequest m);

            void permissionRequest(PermissionRequest m);

            void shutdown(Shutdown m);

            void unknown(Unknown m);
        }
    }

    /** A message from the daemon to a proxy (or a one-off client). */
    sealed interface ToProxy extends IpcMessage
            permits Hello,
                    Registered,
                    ToolProgress,
                    ToolReply,
                    Deliver,
                    HookReply,
                    PermissionReply,
                    ShuttingDown,
                    ProtocolError,
                    McpOut,
                    Unknown {

        void dispatchTo(Handler handler);

        /** What a proxy does with each message from the daemon ({@link DaemonClient}). */
        interface Handler {
            void mcpOut(McpOut m);

            void hello(Hello m);

            void registered(Registered m);

            void toolProgress(ToolProgress m);

            void toolReply(ToolReply m);

            void deliver(Deliver m);

            void hookReply(HookReply m);

            void permissionReply(PermissionReply m);

            void shuttingDown(ShuttingDown m);

            void protocolError(ProtocolError m);

            void unknown(Unknown m);
        }
    }

    // ---- handshake ----

    /**
     * {@code hello}: daemon → peer, first, as soon as the daemon accepts a connection. The peer learns which daemon
     * it reached (a proxy of another version asks it to make way; {@code doctor} reports its version and pid) and
     * that the daemon is ready for {@link Register} or tool calls.
     *
     * @param startedAt when the daemon started (ISO-8601), or null
     */
    record Hello(String version, long pid, String startedAt) implements ToProxy {
        public static final String TYPE = "hello";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToProxy.Handler handler) {
            handler.hello(this);
        }
    }

    /**
     * {@code register}: proxy → daemon, once, after {@link Hello}: the session this connection speaks for. The
     * daemon records it as live on this connection (a connection the same session registered before is closed),
     * answers {@link Registered}, then replays the events waiting for it. Without a {@code session_id} it answers
     * {@link ProtocolError} and closes the connection.
     *
     * @param role {@code "dispatcher"} or {@code "session"} on the wire; anything else reads as a session
     * @param pid the agent process's pid, for status
     * @param version the proxy's version
     * @param delivery {@code "push"} or {@code "pull"} on the wire; anything else reads as push
     * @param metadata the session's identity bag (teammate name, cwd, …), recorded verbatim; only string values
     * @param relay true when the peer relays the agent's MCP lines ({@link McpIn} / {@link McpOut}) and the daemon
     *     hosts the MCP session; false for a peer that speaks {@link ToolRequest} and {@link Deliver} itself
     */
    record Register(
            String sessionId,
            Role role,
            long pid,
            String version,
            DeliveryMode delivery,
            Map<String, String> metadata,
            boolean relay)
            implements ToDaemon {
        public static final String TYPE = "register";

        public Register {
            metadata = metadata == null ? Map.of() : metadata;
        }

        /** A peer that speaks tool calls and deliveries itself. */
        public Register(
                String sessionId,
                Role role,
                long pid,
                String version,
                DeliveryMode delivery,
                Map<String, String> metadata) {
            this(sessionId, role, pid, version, delivery, metadata, false);
        }

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToDaemon.Handler handler) {
            handler.register(this);
        }
    }

    /**
     * {@code registered}: daemon → proxy, the answer to {@link Register}: the session is live, and these are the
     * tools the daemon offers it (the proxy lists them to its agent). Deliveries may follow at once.
     */
    record Registered(String sessionId, List<ToolSpec> tools) implements ToProxy {
        public static final String TYPE = "registered";

        public Registered {
            tools = tools == null ? List.of() : List.copyOf(tools);
        }

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToProxy.Handler handler) {
            handler.registered(this);
        }
    }

    // ---- tool calls ----

    /**
     * {@code tool}: proxy → daemon, a tool call. {@code id} is the proxy's, unique on its connection; the caller is
     * the session registered on the connection (none for a one-off client). The daemon runs it off the reader
     * thread and answers one {@link ToolReply} with the same id, whatever happens.
     *
     * @param arguments the call's arguments (empty when absent or not an object)
     */
    record ToolRequest(String id, String name, Map<String, Object> arguments) implements ToDaemon {
        public static final String TYPE = "tool";

        public ToolRequest {
            arguments = arguments == null ? Map.of() : arguments;
        }

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToDaemon.Handler handler) {
            handler.toolRequest(this);
        }
    }

    /**
     * {@code tool_progress}: daemon → proxy, while the call {@code id} runs (a long wait reports it is alive). The
     * proxy passes it to the caller's progress listener; none after the {@link ToolReply}.
     *
     * @param total null when the tool does not know
     * @param message null when the tool says nothing
     */
    record ToolProgress(String id, double progress, Double total, String message) implements ToProxy {
        public static final String TYPE = "tool_progress";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToProxy.Handler handler) {
            handler.toolProgress(this);
        }
    }

    /**
     * {@code tool_result}: daemon → proxy, the end of the call {@code id}. A result too large for a frame is sent
     * as an error saying so (and what it held is handed back). With {@code receipt} the result hands over inbound
     * messages: the proxy must answer {@link Written} or {@link Dropped} for it; a result nobody waits for any more
     * is answered {@code dropped} at once.
     *
     * @param receipt true only for results that hand over messages; absent on the wire when false
     */
    record ToolReply(String id, String text, boolean isError, boolean receipt) implements ToProxy {
        public static final String TYPE = "tool_result";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToProxy.Handler handler) {
            handler.toolReply(this);
        }
    }

    /**
     * {@code cancel}: proxy → daemon, its caller gave up on the call {@code id} (cancelled, timed out). The daemon
     * interrupts the call; what it would have handed over stays pending. Unknown or finished ids are ignored.
     */
    record Cancel(String id) implements ToDaemon {
        public static final String TYPE = "cancel";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToDaemon.Handler handler) {
            handler.cancel(this);
        }
    }

    /**
     * {@code written}: proxy → daemon, the result of the call {@code id} (sent with {@code receipt}) reached the
     * agent: the messages it carried are delivered. Only the first of {@code written}/{@code dropped} counts.
     */
    record Written(String id) implements ToDaemon {
        public static final String TYPE = "written";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToDaemon.Handler handler) {
            handler.written(this);
        }
    }

    /**
     * {@code dropped}: proxy → daemon, the result of the call {@code id} (sent with {@code receipt}) did not reach
     * the agent: the messages it carried wait again. A connection that closes drops all its unsettled results.
     */
    record Dropped(String id) implements ToDaemon {
        public static final String TYPE = "dropped";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToDaemon.Handler handler) {
            handler.dropped(this);
        }
    }

    // ---- relayed MCP lines ----

    /**
     * {@code mcp_in}: relay → daemon, one line the agent's MCP client wrote to the relay's stdin, as written (the
     * daemon checks it, answers a malformed one with a JSON-RPC error, and hands the rest to the session's MCP
     * server). Only from a peer registered with {@code relay}; from any other it is ignored.
     */
    record McpIn(String line) implements ToDaemon {
        public static final String TYPE = "mcp_in";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToDaemon.Handler handler) {
            handler.mcpIn(this);
        }
    }

    /**
     * {@code mcp_out}: daemon → relay, one line for the relay to write to its stdout, whole and in the order sent.
     *
     * @param ack set on a channel notification: the id of the event it carries. The relay writes a line with an
     *     {@code ack} it has written before at most once (the daemon replays what it never heard acknowledged), then
     *     answers {@link Ack} with this id either way.
     * @param receipt set on a response that hands over messages: once the line was written the relay answers
     *     {@link Written} with this id, or {@link Dropped} if it could not be.
     */
    record McpOut(String line, String ack, String receipt) implements ToProxy {
        public static final String TYPE = "mcp_out";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToProxy.Handler handler) {
            handler.mcpOut(this);
        }
    }

    // ---- deliveries ----

    /**
     * {@code deliver}: daemon → proxy, one inbound event for a push session (wire fields {@code event_id},
     * {@code content}, {@code meta}). The proxy writes it to the agent as a channel notification (holding it until
     * the agent's client has initialized; a replay of one already written is not written again), then answers
     * {@link Ack}.
     */
    record Deliver(Delivery delivery) implements ToProxy {
        public static final String TYPE = "deliver";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToProxy.Handler handler) {
            handler.deliver(this);
        }
    }

    /**
     * {@code ack}: proxy → daemon, the event {@code event_id} reached the agent: the daemon marks it delivered to
     * the session registered on this connection (from an unregistered peer it is ignored; a second ack changes
     * nothing).
     */
    record Ack(String eventId) implements ToDaemon {
        public static final String TYPE = "ack";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToDaemon.Handler handler) {
            handler.ack(this);
        }
    }

    // ---- hooks and permissions ----

    /**
     * {@code hook}: client → daemon, a Claude Code hook fired ({@code lark-handoff hook EVENT}): the daemon answers
     * it for the session's handoff, off its reader thread, with one {@link HookReply} of the same id.
     *
     * @param input the hook's JSON as Claude Code gave it
     * @param sessionId the session named by the environment, or null (then the hook input's own says)
     * @param projectDir the project directory, or null
     */
    record HookRequest(String id, String event, JsonNode input, String sessionId, String projectDir)
            implements ToDaemon {
        public static final String TYPE = "hook";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToDaemon.Handler handler) {
            handler.hookRequest(this);
        }
    }

    /**
     * {@code hook_result}: daemon → client, the answer to the {@link HookRequest} {@code id}. The client prints
     * {@code output} for Claude Code.
     *
     * @param output the hook's output object, or null when the daemon has nothing to say
     * @param error why the hook failed, or null
     */
    record HookReply(String id, JsonNode output, String error) implements ToProxy {
        public static final String TYPE = "hook_result";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToProxy.Handler handler) {
            handler.hookReply(this);
        }
    }

    /**
     * {@code permission_request}: proxy → daemon, Claude Code asked the channel for a permission decision: the
     * daemon puts it to the registered session's handoff group and answers {@link PermissionReply} with the same
     * id once someone decided (or at once when there is nothing to ask).
     *
     * @param params the request's parameters as Claude Code sent them
     */
    record PermissionRequest(String id, JsonNode params) implements ToDaemon {
        public static final String TYPE = "permission_request";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToDaemon.Handler handler) {
            handler.permissionRequest(this);
        }
    }

    /**
     * {@code permission_result}: daemon → proxy, the decision for the {@link PermissionRequest} {@code id}; on the
     * wire {@code "output": {"behavior": …}}, an empty output when there is none. The proxy answers Claude Code.
     *
     * @param behavior {@code "allow"}, {@code "deny"}, or null for no decision
     */
    record PermissionReply(String id, String behavior) implements ToProxy {
        public static final String TYPE = "permission_result";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToProxy.Handler handler) {
            handler.permissionReply(this);
        }
    }

    // ---- making way, errors, the unknown ----

    /**
     * {@code shutdown}: peer → daemon, a proxy of another version asks this daemon to make way. The daemon answers
     * {@link ShuttingDown}, closes its Lark connection and exits; the proxy then starts its own.
     *
     * @param reason for the daemon's log, or null
     */
    record Shutdown(String reason) implements ToDaemon {
        public static final String TYPE = "shutdown";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToDaemon.Handler handler) {
            handler.shutdown(this);
        }
    }

    /** {@code shutting_down}: daemon → peer, the answer to {@link Shutdown}: the daemon is on its way out. */
    record ShuttingDown() implements ToProxy {
        public static final String TYPE = "shutting_down";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToProxy.Handler handler) {
            handler.shuttingDown(this);
        }
    }

    /**
     * {@code error}: daemon → peer, the peer broke the protocol (a {@link Register} without a session id); the
     * daemon closes the connection right after.
     *
     * @param error what was wrong, for the peer's log
     */
    record ProtocolError(String error) implements ToProxy {
        public static final String TYPE = "error";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public void dispatchTo(ToProxy.Handler handler) {
            handler.protocolError(this);
        }
    }

    /**
     * A message of a type this version does not know (a newer peer's): either side ignores it. Kept whole, so it
     * can be logged or passed on.
     *
     * @param fields the message as received, {@code "type"} included
     */
    record Unknown(String type, ObjectNode fields) implements ToDaemon, ToProxy {

        public Unknown {
            fields = fields == null ? JsonNodeFactory.instance.objectNode() : fields;
        }

        /** A message of {@code type} with no other fields. */
        public static Unknown of(String type) {
            return new Unknown(type, null);
        }

        @Override
        public void dispatchTo(ToDaemon.Handler handler) {
            handler.unknown(this);
        }

        @Override
        public void dispatchTo(ToProxy.Handler handler) {
            handler.unknown(this);
        }
    }
}
