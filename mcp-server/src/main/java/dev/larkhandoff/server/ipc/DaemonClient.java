package dev.larkhandoff.server.ipc;

import dev.larkhandoff.server.tool.ToolCall;
import dev.larkhandoff.server.tool.ToolSpec;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.config.SessionIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import tools.jackson.databind.JsonNode;
import dev.larkhandoff.server.ServerJson;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A session's connection to the daemon (what the stdio proxy holds): hello, register, tool calls matched by id,
 * deliveries in, acks out. When the connection drops, calls in flight fail at once; they are never replayed.
 */
public final class DaemonClient implements AutoCloseable {

    private static final JsonMapper JSON = ServerJson.mapper();

    private final IpcConnection connection;
    private final Map<String, CompletableFuture<ToolResult>> inFlight = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<JsonNode>> hooksInFlight = new ConcurrentHashMap<>();
    private final Map<String, ToolCall.Progress> progressOf = new ConcurrentHashMap<>();
    private final CompletableFuture<JsonNode> hello = new CompletableFuture<>();
    private final CompletableFuture<JsonNode> registered = new CompletableFuture<>();
    private final BiConsumer<DaemonClient, JsonNode> onDeliver;
    private final Runnable onClosed;

    private DaemonClient(IpcConnection connection, BiConsumer<DaemonClient, JsonNode> onDeliver, Runnable onClosed) {
        this.connection = connection;
        this.onDeliver = onDeliver;
        this.onClosed = onClosed;
    }

    /**
     * Connects and registers, waiting up to {@code timeout} for the daemon's hello and its confirmation.
     * Deliveries may arrive as soon as the confirmation has: {@code onDeliver} gets the client with each, so it
     * can acknowledge before this method has returned.
     *
     * @throws IOException when no daemon answers on this home's socket, or it does not complete the handshake
     */
    public static DaemonClient connect(Path home, SessionIdentity identity, String version, long pid,
            BiConsumer<DaemonClient, JsonNode> onDeliver, Runnable onClosed, Duration timeout) throws IOException {
        IpcConnection connection = DaemonSocket.connect(home, identity.sessionId(), FrameDecoder.DEFAULT_MAX_FRAME);
        DaemonClient client = new DaemonClient(connection, onDeliver, onClosed);
        connection.start(client::handle, c -> client.closed());
        try {
            client.hello.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            ObjectNode register = IpcConnection.message("register")
                    .put("session_id", identity.sessionId())
                    .put("role", identity.role().column())
                    .put("pid", pid)
                    .put("version", version)
                    .put("delivery", identity.deliveryMode().column());
            register.set("metadata", JSON.valueToTree(identity.metadata()));
            connection.send(register);
            client.registered.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return client;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connection.close();
            throw new IOException("interrupted while registering with the daemon", e);
        } catch (ExecutionException | TimeoutException e) {
            connection.close();
            throw new IOException("the daemon did not complete the handshake within " + timeout.toSeconds() + " s", e);
        }
    }

    /**
     * Connects without registering, for a one-off tool call (the {@code status} command): the daemon answers calls
     * that need no caller, such as {@code feishu_channel_status}, and lists no session for it.
     */
    public static DaemonClient probe(Path home, Duration timeout) throws IOException {
        IpcConnection connection = DaemonSocket.connect(home, "probe", FrameDecoder.DEFAULT_MAX_FRAME);
        DaemonClient client = new DaemonClient(connection, (c, m) -> { }, () -> { });
        connection.start(client::handle, c -> client.closed());
        try {
            client.hello.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return client;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connection.close();
            throw new IOException("interrupted while greeting the daemon", e);
        } catch (ExecutionException | TimeoutException e) {
            connection.close();
            throw new IOException("the daemon did not greet within " + timeout.toSeconds() + " s", e);
        }
    }

    /** The daemon's hello (version, pid, generation …). */
    public JsonNode daemonHello() {
        return hello.getNow(null);
    }

    /** The tools the daemon offers, as it listed them when this session registered. */
    public List<ToolSpec> tools() {
        JsonNode r = registered.getNow(null);
        List<ToolSpec> out = new ArrayList<>();
        if (r != null && r.path("tools").isArray()) {
            r.get("tools").forEach(t -> out.add(JSON.treeToValue(t, ToolSpec.class)));
        }
        return out;
    }

    /** Calls a daemon tool; completes exceptionally if the connection drops first. */
    public CompletableFuture<ToolResult> callTool(String name, Map<String, Object> arguments) {
        return callTool(name, arguments, ToolCall.Progress.NONE);
    }

    /**
     * Calls a daemon tool, passing the progress it reports while it runs to {@code progress}. Cancelling the future
     * (or its completing by a timeout) cancels the call in the daemon. A result that hands over messages carries a
     * receipt: settle it once the result was written to the agent, or not.
     */
    public CompletableFuture<ToolResult> callTool(String name, Map<String, Object> arguments,
            ToolCall.Progress progress) {
        String id = UUID.randomUUID().toString();
        CompletableFuture<ToolResult> result = new CompletableFuture<>();
        inFlight.put(id, result);
        progressOf.put(id, progress);
        result.whenComplete((r, e) -> {
            progressOf.remove(id);
            if (e != null && inFlight.remove(id) != null) {
                // Given up by the caller (cancelled, timed out): the daemon stops it, and drops what it would hold.
                connection.send(IpcConnection.message("cancel").put("id", id));
            }
        });
        ObjectNode call = IpcConnection.message("tool").put("id", id).put("name", name);
        call.set("arguments", JSON.valueToTree(arguments == null ? Map.of() : arguments));
        if (!connection.send(call)) {
            inFlight.remove(id);
            result.completeExceptionally(lost(name));
        }
        return result;
    }

    /**
     * Asks the daemon to answer a Claude Code hook; completes with its output, or a missing node when it has
     * nothing to say.
     */
    public CompletableFuture<JsonNode> hook(String event, JsonNode input, String explicitSessionId, String projectDir) {
        String id = UUID.randomUUID().toString();
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        hooksInFlight.put(id, result);
        ObjectNode call = IpcConnection.message("hook").put("id", id).put("event", event);
        call.set("input", input);
        if (explicitSessionId != null) {
            call.put("session_id", explicitSessionId);
        }
        if (projectDir != null) {
            call.put("project_dir", projectDir);
        }
        if (!connection.send(call)) {
            hooksInFlight.remove(id);
            result.completeExceptionally(lost("the hook"));
        }
        return result;
    }

    /**
     * Asks the daemon to put Claude Code's channel permission request to the session's handoff group; completes
     * with {@code allow} or {@code deny}, or empty when there is no decision to send.
     */
    public CompletableFuture<String> permissionRequest(JsonNode params) {
        String id = UUID.randomUUID().toString();
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        hooksInFlight.put(id, result);
        ObjectNode call = IpcConnection.message("permission_request").put("id", id);
        call.set("params", params);
        if (!connection.send(call)) {
            hooksInFlight.remove(id);
            return CompletableFuture.completedFuture("");
        }
        return result.thenApply(out -> out == null ? "" : out.path("behavior").asString(""));
    }

    /** Tells the daemon a delivery reached the agent. */
    public boolean ack(String eventId) {
        return connection.send(IpcConnection.message("ack").put("event_id", eventId));
    }

    /** Asks the daemon to make way for a newer version; it closes its Lark connection, then exits. */
    public boolean requestShutdown(String reason) {
        return connection.send(IpcConnection.message("shutdown").put("reason", reason));
    }

    public boolean isOpen() {
        return connection.isOpen();
    }

    private void handle(JsonNode m) {
        switch (m.path("type").asString()) {
            case "hello" -> hello.complete(m);
            case "registered" -> registered.complete(m);
            case "tool_result" -> {
                String id = m.path("id").asString("");
                ToolResult result = new ToolResult(m.path("text").asString(""), m.path("is_error").asBoolean(false),
                        m.path("receipt").asBoolean(false) ? receipt(id) : null);
                CompletableFuture<ToolResult> f = inFlight.remove(id);
                if (f == null || !f.complete(result)) {
                    // Nobody takes this result any more: what it held goes back to waiting in the daemon.
                    result.receipt().dropped();
                }
            }
            case "tool_progress" -> {
                ToolCall.Progress p = progressOf.get(m.path("id").asString(""));
                if (p != null) {
                    p.report(m.path("progress").asDouble(0), m.has("total") ? m.get("total").asDouble() : null,
                            m.has("message") ? m.get("message").asString() : null);
                }
            }
            case "deliver" -> onDeliver.accept(this, m);
            case "hook_result", "permission_result" -> {
                CompletableFuture<JsonNode> f = hooksInFlight.remove(m.path("id").asString(""));
                if (f != null) {
                    f.complete(m.path("output"));
                }
            }
            default -> {
                // newer daemons may send more; an older proxy ignores what it does not know
            }
        }
    }

    /** Tells the daemon whether a result that handed over messages reached the agent; only the first word counts. */
    private ToolResult.Receipt receipt(String id) {
        java.util.concurrent.atomic.AtomicBoolean settled = new java.util.concurrent.atomic.AtomicBoolean();
        return new ToolResult.Receipt() {
            @Override
            public void written() {
                if (settled.compareAndSet(false, true)) {
                    connection.send(IpcConnection.message("written").put("id", id));
                }
            }

            @Override
            public void dropped() {
                if (settled.compareAndSet(false, true)) {
                    connection.send(IpcConnection.message("dropped").put("id", id));
                }
            }
        };
    }

    private void closed() {
        hello.completeExceptionally(new IOException("the daemon closed the connection"));
        registered.completeExceptionally(new IOException("the daemon closed the connection"));
        hooksInFlight.values().forEach(f -> f.completeExceptionally(lost("the hook")));
        hooksInFlight.clear();
        for (var it = inFlight.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            it.remove();
            e.getValue().completeExceptionally(lost("the call"));
        }
        onClosed.run();
    }

    private static IllegalStateException lost(String what) {
        return new IllegalStateException("the connection to the lark-handoff daemon closed while " + what
                + " was in flight; it was not retried, call it again");
    }

    @Override
    public void close() {
        connection.close();
    }
}
