package dev.larkhandoff.server.ipc;

import dev.larkhandoff.server.tool.ToolCall;
import dev.larkhandoff.server.hooks.HookHandler;
import dev.larkhandoff.server.hooks.Hooks;
import dev.larkhandoff.server.session.SessionRegistry;
import dev.larkhandoff.server.session.RunningCalls;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.session.LiveSession;
import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.store.session.Role;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import dev.larkhandoff.server.ServerJson;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The daemon's side of the socket protocol: greets each peer with {@code hello}, records {@code register},
 * runs {@code tool} calls (off the reader thread) and answers {@code tool_result}, and passes {@code ack}s on.
 */
public final class DaemonIpc {

    private static final Logger log = LoggerFactory.getLogger(DaemonIpc.class);
    private static final JsonMapper JSON = ServerJson.mapper();

    private final SessionRegistry registry;
    private final ToolCatalog tools;
    private final ExecutorService toolRunner;
    private final RunningCalls calls;
    /** Results sent that hand over messages, by connection and call id, until the proxy says they were written. */
    private final Map<String, ToolResult.Receipt> unsettled = new java.util.concurrent.ConcurrentHashMap<>();
    private final ObjectNode hello;
    private final BiConsumer<String, String> onAck;
    private final Runnable afterRegistered;
    private volatile java.util.function.Consumer<String> onShutdownRequested = reason -> { };

    /**
     * @param hello the daemon's greeting fields (version, pid, generation, started_at)
     * @param onAck (session id, event id) for each delivery a session acknowledged
     * @param afterRegistered runs once a session's registration is confirmed to it (the router replays then, so
     *                        deliveries never overtake the confirmation)
     */
    public DaemonIpc(SessionRegistry registry, ToolCatalog tools, ExecutorService toolRunner,
            ObjectNode hello, BiConsumer<String, String> onAck, Runnable afterRegistered) {
        this.registry = registry;
        this.tools = tools;
        this.toolRunner = toolRunner;
        this.calls = registry.calls();
        this.hello = hello;
        this.onAck = onAck;
        this.afterRegistered = afterRegistered;
    }

    private volatile HookHandler hooks = HookHandler.NONE;

    /** Decides a channel permission request for a registered session: {@code allow}, {@code deny}, or empty. */
    @FunctionalInterface
    public interface PermissionRelay {
        java.util.Optional<String> decide(String sessionId, JsonNode params) throws InterruptedException;
    }

    private volatile PermissionRelay permissions = (session, params) -> java.util.Optional.empty();

    /** Where {@code permission_request} messages go. */
    public void onPermissionRequest(PermissionRelay relay) {
        this.permissions = relay;
    }

    /** Where {@code hook} messages go. */
    public void onHook(HookHandler handler) {
        this.hooks = handler;
    }

    /** What to do when a peer asks the daemon to make way (a newer version replacing it). */
    public void onShutdownRequested(java.util.function.Consumer<String> action) {
        this.onShutdownRequested = action;
    }

    /** Takes over a freshly accepted connection. */
    public void accept(IpcConnection connection) {
        connection.start(message -> handle(connection, message), this::closed);
        connection.send(hello.deepCopy().put("type", "hello"));
    }

    /** A connection closed: its calls stop (the registry sees to it), and unconfirmed results hand their messages back. */
    private void closed(IpcConnection connection) {
        String prefix = connection.name() + "\u0000";
        for (var it = unsettled.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().startsWith(prefix)) {
                it.remove();
                e.getValue().dropped();
            }
        }
        registry.disconnected(connection);
    }

    private void handle(IpcConnection connection, JsonNode m) {
        switch (m.path("type").asString()) {
            case "register" -> register(connection, m);
            case "tool" -> startTool(connection, m);
            case "cancel" -> calls.cancel(connection, m.path("id").asString(""));
            case "written", "dropped" -> {
                ToolResult.Receipt receipt = unsettled.remove(connection.name() + "\u0000" + m.path("id").asString(""));
                if (receipt != null) {
                    if ("written".equals(m.path("type").asString())) {
                        receipt.written();
                    } else {
                        receipt.dropped();
                    }
                }
            }
            case "hook" -> toolRunner.execute(() -> runHook(connection, m));
            case "permission_request" -> toolRunner.execute(() -> relayPermission(connection, m));
            case "shutdown" -> {
                connection.send(IpcConnection.message("shutting_down"));
                onShutdownRequested.accept(m.path("reason").asString("asked by a peer"));
            }
            case "ack" -> registry.sessionOf(connection).ifPresent(s -> onAck.accept(s, m.path("event_id").asString()));
            default -> log.debug("ignoring message of type {} from {}", m.path("type").asString(), connection.name());
        }
    }

    private void register(IpcConnection connection, JsonNode m) {
        String sessionId = m.path("session_id").asString("");
        if (sessionId.isBlank()) {
            connection.send(IpcConnection.message("error").put("error", "register needs a session_id"));
            connection.close();
            return;
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        m.path("metadata").properties().forEach(e -> {
            if (e.getValue().isString()) {
                metadata.put(e.getKey(), e.getValue().stringValue());
            }
        });
        Role role = "dispatcher".equals(m.path("role").asString("")) ? Role.DISPATCHER : Role.SESSION;
        DeliveryMode mode = "pull".equals(m.path("delivery").asString("")) ? DeliveryMode.PULL : DeliveryMode.PUSH;
        LiveSession session = new LiveSession(sessionId, role, metadata, m.path("pid").asLong(0),
                m.path("version").asString(""));
        registry.register(session, mode, JSON.writeValueAsString(metadata), connection);
        ObjectNode registered = IpcConnection.message("registered").put("session_id", sessionId);
        registered.set("tools", JSON.valueToTree(tools.specs()));
        connection.send(registered);
        afterRegistered.run();
    }

    private void runHook(IpcConnection connection, JsonNode m) {
        String id = m.path("id").asString("");
        ObjectNode reply = IpcConnection.message("hook_result").put("id", id);
        try {
            hooks.handle(m.path("event").asString(""), m.path("input"), new Hooks.Caller(
                    m.path("session_id").asString(null), m.path("project_dir").asString(null)))
                    .ifPresent(out -> reply.set("output", out));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("hook {} failed: {}", m.path("event").asString(""), e.getMessage());
            reply.put("error", e.getMessage());
        }
        connection.send(reply);
    }

    private void relayPermission(IpcConnection connection, JsonNode m) {
        ObjectNode reply = IpcConnection.message("permission_result").put("id", m.path("id").asString(""));
        ObjectNode output = reply.putObject("output");
        String session = registry.sessionOf(connection).orElse(null);
        try {
            if (session != null) {
                permissions.decide(session, m.path("params")).ifPresent(b -> output.put("behavior", b));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("channel permission request failed: {}", e.getMessage());
        }
        connection.send(reply);
    }

    private void startTool(IpcConnection connection, JsonNode m) {
        String id = m.path("id").asString("");
        String name = m.path("name").asString("");
        Map<String, Object> args;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> parsed = m.has("arguments") && m.get("arguments").isObject()
                    ? JSON.treeToValue(m.get("arguments"), Map.class) : Map.of();
            args = parsed;
        } catch (RuntimeException e) {
            sendResult(connection, id, ToolResult.error("the arguments of " + name + " could not be read: "
                    + e.getMessage()));
            return;
        }
        String caller = registry.sessionOf(connection).orElse(null);
        ToolCall.Progress progress = (done, total, text) -> {
            ObjectNode p = IpcConnection.message("tool_progress").put("id", id).put("progress", done);
            if (total != null) {
                p.put("total", total);
            }
            if (text != null) {
                p.put("message", text);
            }
            connection.send(p);
        };
        calls.start(toolRunner, connection, id, caller, name, () -> tools.call(name, new ToolCall(caller, args, progress)),
                result -> sendResult(connection, id, result));
    }

    /**
     * Sends a call's result. Every failure still answers: a result too large for a frame becomes an error saying
     * so (what it held is handed out again), and a result that hands over messages waits for the proxy's
     * {@code written} before they count as delivered.
     */
    private void sendResult(IpcConnection connection, String id, ToolResult result) {
        ObjectNode reply = IpcConnection.message("tool_result").put("id", id).put("text", result.text())
                .put("is_error", result.isError());
        if (result.needsReceipt()) {
            reply.put("receipt", true);
            unsettled.put(connection.name() + "\u0000" + id, result.receipt());
        }
        IpcConnection.Sent sent = connection.trySend(reply);
        if (sent == IpcConnection.Sent.TOO_LARGE) {
            settleDropped(connection, id, result);
            log.warn("a tool result of {} bytes does not fit in a frame; answering an error instead",
                    JSON.writeValueAsBytes(reply).length);
            connection.send(IpcConnection.message("tool_result").put("id", id).put("is_error", true).put("text",
                    "the result was too large to send (over " + FrameDecoder.DEFAULT_MAX_FRAME / (1024 * 1024)
                            + " MiB); nothing in it was consumed. Ask for less (a smaller limit) and call again."));
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
