package dev.larkhandoff.server.ipc;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.hooks.HookHandler;
import dev.larkhandoff.server.hooks.Hooks;
import dev.larkhandoff.server.ipc.IpcMessage.Ack;
import dev.larkhandoff.server.ipc.IpcMessage.Cancel;
import dev.larkhandoff.server.ipc.IpcMessage.Dropped;
import dev.larkhandoff.server.ipc.IpcMessage.Hello;
import dev.larkhandoff.server.ipc.IpcMessage.HookReply;
import dev.larkhandoff.server.ipc.IpcMessage.HookRequest;
import dev.larkhandoff.server.ipc.IpcMessage.PermissionReply;
import dev.larkhandoff.server.ipc.IpcMessage.PermissionRequest;
import dev.larkhandoff.server.ipc.IpcMessage.ProtocolError;
import dev.larkhandoff.server.ipc.IpcMessage.Register;
import dev.larkhandoff.server.ipc.IpcMessage.Registered;
import dev.larkhandoff.server.ipc.IpcMessage.Shutdown;
import dev.larkhandoff.server.ipc.IpcMessage.ShuttingDown;
import dev.larkhandoff.server.ipc.IpcMessage.ToolProgress;
import dev.larkhandoff.server.ipc.IpcMessage.ToolReply;
import dev.larkhandoff.server.ipc.IpcMessage.ToolRequest;
import dev.larkhandoff.server.ipc.IpcMessage.Unknown;
import dev.larkhandoff.server.ipc.IpcMessage.Written;
import dev.larkhandoff.server.session.LiveSession;
import dev.larkhandoff.server.session.RunningCalls;
import dev.larkhandoff.server.session.SessionLink;
import dev.larkhandoff.server.session.SessionRegistry;
import dev.larkhandoff.server.tool.ToolCall;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The daemon's side of the socket protocol ({@link IpcMessage}): greets each peer with {@code hello}, records
 * {@code register}, runs {@code tool} calls (off the reader thread) and answers {@code tool_result}, settles
 * receipts, answers hooks and permission requests, and passes {@code ack}s on. {@link Peer} says what happens to
 * each message a peer sends.
 */
public final class DaemonIpc {

    private static final Logger log = LoggerFactory.getLogger(DaemonIpc.class);
    private static final JsonMapper JSON = ServerJson.mapper();

    private final SessionRegistry registry;
    private final ToolCatalog tools;
    private final ExecutorService toolRunner;
    private final RunningCalls calls;
    /** Results sent that hand over messages, by connection and call id, until the proxy says they were written. */
    private final Map<String, ToolResult.Receipt> unsettled = new ConcurrentHashMap<>();

    private final Hello hello;
    private final BiConsumer<String, String> onAck;
    private final Runnable afterRegistered;
    private volatile Consumer<String> onShutdownRequested = reason -> {};
    private volatile RelayHost relays = RelayHost.NONE;
    /** The link the registry knows each relay connection by (the MCP session hosted for it). */
    private final Map<IpcConnection, SessionLink> relayLinks = new ConcurrentHashMap<>();

    private volatile HookHandler hooks = HookHandler.NONE;

    /**
     * @param hello the daemon's greeting
     * @param onAck (session id, event id) for each delivery a session acknowledged
     * @param afterRegistered runs once a session's registration is confirmed to it (the router replays then, so
     *                        deliveries never overtake the confirmation)
     */
    public DaemonIpc(
            SessionRegistry registry,
            ToolCatalog tools,
            ExecutorService toolRunner,
            Hello hello,
            BiConsumer<String, String> onAck,
            Runnable afterRegistered) {
        this.registry = registry;
        this.tools = tools;
        this.toolRunner = toolRunner;
        this.calls = registry.calls();
        this.hello = hello;
        this.onAck = onAck;
        this.afterRegistered = afterRegistered;
    }

    /** As above, with the greeting's fields (version, pid, started_at) as JSON. */
    public DaemonIpc(
            SessionRegistry registry,
            ToolCatalog tools,
            ExecutorService toolRunner,
            ObjectNode hello,
            BiConsumer<String, String> onAck,
            Runnable afterRegistered) {
        this(registry, tools, toolRunner, IpcCodec.hello(hello), onAck, afterRegistered);
    }

    /** Decides a channel permission request for a registered session: {@code allow}, {@code deny}, or empty. */
    @FunctionalInterface
    public interface PermissionRelay {
        Optional<String> decide(String sessionId, JsonNode params) throws InterruptedException;
    }

    private volatile PermissionRelay permissions = (session, params) -> Optional.empty();

    /** Where {@code permission_request} messages go. */
    public void onPermissionRequest(PermissionRelay relay) {
        this.permissions = relay;
    }

    /** Where {@code hook} messages go. */
    public void onHook(HookHandler handler) {
        this.hooks = handler;
    }

    /** Who hosts the MCP sessions of relay peers. */
    public void onRelay(RelayHost host) {
        this.relays = host;
    }

    /** What the registry and the calls know a connection by: its hosted MCP session's link, or itself. */
    private SessionLink linkOf(IpcConnection connection) {
        SessionLink relay = relayLinks.get(connection);
        return relay == null ? connection : relay;
    }

    /** What to do when a peer asks the daemon to make way (a newer version replacing it). */
    public void onShutdownRequested(Consumer<String> action) {
        this.onShutdownRequested = action;
    }

    /** Takes over a freshly accepted connection. */
    public void accept(IpcConnection connection) {
        Peer peer = new Peer(connection);
        connection.start(peer::received, this::closed);
        connection.send(hello);
    }

    /**
     * A connection closed: its calls stop (the registry sees to it), and unconfirmed results hand their messages
     * back.
     */
    private void closed(IpcConnection connection) {
        String prefix = connection.name() + "\u0000";
        for (var it = unsettled.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().startsWith(prefix)) {
                it.remove();
                e.getValue().dropped();
            }
        }
        SessionLink relay = relayLinks.remove(connection);
        if (relay != null) {
            relays.closed(connection);
            registry.disconnected(relay);
        }
        registry.disconnected(connection);
    }

    /** One connection's messages, on its reader thread; anything slow runs on the tool runner. */
    private final class Peer implements IpcMessage.ToDaemon.Handler {
        private final IpcConnection connection;

        Peer(IpcConnection connection) {
            this.connection = connection;
        }

        void received(IpcMessage message) {
            if (message instanceof IpcMessage.ToDaemon m) {
                m.dispatchTo(this);
            } else {
                log.debug("ignoring a {} message from {}: only the daemon sends it", message.type(), connection.name());
            }
        }

        @Override
        public void register(Register m) {
            DaemonIpc.this.register(connection, m);
        }

        @Override
        public void toolRequest(ToolRequest m) {
            startTool(connection, m);
        }

        @Override
        public void mcpIn(IpcMessage.McpIn m) {
            if (relayLinks.containsKey(connection)) {
                relays.line(connection, m.line());
            } else {
                log.debug("ignoring an mcp_in from {}: it did not register as a relay", connection.name());
            }
        }

        @Override
        public void cancel(Cancel m) {
            calls.cancel(connection, m.id());
        }

        @Override
        public void written(Written m) {
            if (relays.settle(connection, m.id(), true)) {
                return;
            }
            ToolResult.Receipt receipt = unsettled.remove(connection.name() + "\u0000" + m.id());
            if (receipt != null) {
                receipt.written();
            }
        }

        @Override
        public void dropped(Dropped m) {
            if (relays.settle(connection, m.id(), false)) {
                return;
            }
            ToolResult.Receipt receipt = unsettled.remove(connection.name() + "\u0000" + m.id());
            if (receipt != null) {
                receipt.dropped();
            }
        }

        @Override
        public void ack(Ack m) {
            registry.sessionOf(linkOf(connection)).ifPresent(s -> onAck.accept(s, m.eventId()));
        }

        @Override
        public void hookRequest(HookRequest m) {
            toolRunner.execute(() -> runHook(connection, m));
        }

        @Override
        public void permissionRequest(PermissionRequest m) {
            toolRunner.execute(() -> relayPermission(connection, m));
        }

        @Override
        public void shutdown(Shutdown m) {
            connection.send(new ShuttingDown());
            onShutdownRequested.accept(m.reason() == null ? "asked by a peer" : m.reason());
        }

        @Override
        public void unknown(Unknown m) {
            log.debug("ignoring message of type {} from {}", m.type(), connection.name());
        }
    }

    private void register(IpcConnection connection, Register m) {
        String sessionId = m.sessionId();
        if (sessionId.isBlank()) {
            connection.send(new ProtocolError("register needs a session_id"));
            connection.close();
            return;
        }
        LiveSession session = new LiveSession(sessionId, m.role(), m.metadata(), m.pid(), m.version());
        SessionLink link = connection;
        if (m.relay()) {
            link = relays.open(connection, session);
            if (link == null) {
                connection.send(new ProtocolError("this daemon hosts no MCP sessions for relays"));
                connection.close();
                return;
            }
            relayLinks.put(connection, link);
        }
        registry.register(session, m.delivery(), JSON.writeValueAsString(m.metadata()), link);
        connection.send(new Registered(sessionId, m.relay() ? java.util.List.of() : tools.specs()));
        afterRegistered.run();
    }

    private void runHook(IpcConnection connection, HookRequest m) {
        JsonNode output = null;
        String error = null;
        try {
            output = hooks.handle(m.event(), m.input(), new Hooks.Caller(m.sessionId(), m.projectDir()))
                    .orElse(null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("hook {} failed: {}", m.event(), e.getMessage());
            error = e.getMessage();
        }
        connection.send(new HookReply(m.id(), output, error));
    }

    private void relayPermission(IpcConnection connection, PermissionRequest m) {
        String behavior = null;
        String session = registry.sessionOf(linkOf(connection)).orElse(null);
        try {
            if (session != null) {
                behavior = permissions.decide(session, m.params()).orElse(null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("channel permission request failed: {}", e.getMessage());
        }
        connection.send(new PermissionReply(m.id(), behavior));
    }

    private void startTool(IpcConnection connection, ToolRequest m) {
        String id = m.id();
        String name = m.name();
        String caller = registry.sessionOf(linkOf(connection)).orElse(null);
        ToolCall.Progress progress = (done, total, text) -> connection.send(new ToolProgress(id, done, total, text));
        calls.start(
                toolRunner,
                connection,
                id,
                caller,
                name,
                () -> tools.call(name, new ToolCall(caller, m.arguments(), progress)),
                result -> sendResult(connection, id, result));
    }

    /**
     * Sends a call's result. Every failure still answers: a result too large for a frame becomes an error saying
     * so (what it held is handed out again), and a result that hands over messages waits for the proxy's
     * {@code written} before they count as delivered.
     */
    private void sendResult(IpcConnection connection, String id, ToolResult result) {
        ToolReply reply = new ToolReply(id, result.text(), result.isError(), result.needsReceipt());
        if (result.needsReceipt()) {
            unsettled.put(connection.name() + "\u0000" + id, result.receipt());
        }
        IpcConnection.Sent sent = connection.trySend(reply);
        if (sent == IpcConnection.Sent.TOO_LARGE) {
            settleDropped(connection, id, result);
            log.warn(
                    "a tool result of {} bytes does not fit in a frame; answering an error instead",
                    IpcCodec.toBytes(reply).length);
            String text = "the result was too large to send (over " + FrameDecoder.DEFAULT_MAX_FRAME / (1024 * 1024)
                    + " MiB); nothing in it was consumed. Ask for less (a smaller limit) and call again.";
            connection.send(new ToolReply(id, text, true, false));
        } else if (sent == IpcConnection.Sent.CLOSED) {
            settleDropped(connection, id, result);
        }
    }

    private void settleDropped(IpcConnection connection, String id, ToolResult result) {
        if (result.needsReceipt() && unsettled.remove(connection.name() + "\u0000" + id) != null) {
            result.receipt().dropped();
        }
    }
}
