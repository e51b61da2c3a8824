package dev.larkhandoff.server.ipc;

import dev.larkhandoff.server.config.SessionIdentity;
import dev.larkhandoff.server.ipc.IpcMessage.Ack;
import dev.larkhandoff.server.ipc.IpcMessage.Cancel;
import dev.larkhandoff.server.ipc.IpcMessage.Deliver;
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
import dev.larkhandoff.server.session.Delivery;
import dev.larkhandoff.server.tool.ToolCall;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

/**
 * A session's connection to the daemon (what the stdio proxy holds): hello, register, tool calls matched by id,
 * deliveries in, acks out ({@link IpcMessage}). When the connection drops, calls in flight fail at once; they are
 * never replayed.
 */
public final class DaemonClient implements AutoCloseable {

    private final IpcConnection connection;
    private final Map<String, CompletableFuture<ToolResult>> inFlight = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<JsonNode>> hooksInFlight = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<String>> permissionsInFlight = new ConcurrentHashMap<>();
    private final Map<String, ToolCall.Progress> progressOf = new ConcurrentHashMap<>();
    private final CompletableFuture<Hello> hello = new CompletableFuture<>();
    private final CompletableFuture<Registered> registered = new CompletableFuture<>();
    private final BiConsumer<DaemonClient, Delivery> onDeliver;
    private final BiConsumer<DaemonClient, IpcMessage.McpOut> onOut;
    private final Runnable onClosed;

    private DaemonClient(
            IpcConnection connection,
            BiConsumer<DaemonClient, Delivery> onDeliver,
            BiConsumer<DaemonClient, IpcMessage.McpOut> onOut,
            Runnable onClosed) {
        this.connection = connection;
        this.onDeliver = onDeliver;
        this.onOut = onOut;
        this.onClosed = onClosed;
    }

    /**
     * Connects and registers as a relay: the daemon hosts the agent's MCP session, takes the lines of the agent's
     * stdin ({@link #relayLine}) and sends the lines for its stdout to {@code onOut}, which may start arriving as
     * soon as the registration is confirmed (before this method returns).
     *
     * @throws IOException when no daemon answers on this home's socket, or it does not complete the handshake
     */
    public static DaemonClient connectRelay(
            Path home,
            SessionIdentity identity,
            String version,
            long pid,
            BiConsumer<DaemonClient, IpcMessage.McpOut> onOut,
            Runnable onClosed,
            Duration timeout)
            throws IOException {
        return handshake(home, identity, version, pid, (c, d) -> {}, onOut, onClosed, timeout, true);
    }

    /**
     * Connects and registers, waiting up to {@code timeout} for the daemon's hello and its confirmation.
     * Deliveries may arrive as soon as the confirmation has: {@code onDeliver} gets the client with each, so it
     * can acknowledge before this method has returned.
     *
     * @throws IOException when no daemon answers on this home's socket, or it does not complete the handshake
     */
    public static DaemonClient connect(
            Path home,
            SessionIdentity identity,
            String version,
            long pid,
            BiConsumer<DaemonClient, Delivery> onDeliver,
            Runnable onClosed,
            Duration timeout)
            throws IOException {
        return handshake(home, identity, version, pid, onDeliver, (c, m) -> {}, onClosed, timeout, false);
    }

    private static DaemonClient handshake(
            Path home,
            SessionIdentity identity,
            String version,
            long pid,
            BiConsumer<DaemonClient, Delivery> onDeliver,
            BiConsumer<DaemonClient, IpcMessage.McpOut> onOut,
            Runnable onClosed,
            Duration timeout,
            boolean relay)
            throws IOException {
        IpcConnection connection = DaemonSocket.connect(home, identity.sessionId(), FrameDecoder.DEFAULT_MAX_FRAME);
        DaemonClient client = new DaemonClient(connection, onDeliver, onOut, onClosed);
        client.start();
        try {
            client.hello.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            connection.send(new Register(
                    identity.sessionId(),
                    identity.role(),
                    pid,
                    version,
                    identity.deliveryMode(),
                    identity.metadata(),
                    relay));
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
        DaemonClient client = new DaemonClient(connection, (c, m) -> {}, (c, m) -> {}, () -> {});
        client.start();
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

    private void start() {
        Inbound inbound = new Inbound();
        connection.start(inbound::received, c -> closed());
    }

    /** The daemon's hello (its version, pid, start). */
    public Hello daemonHello() {
        return hello.getNow(null);
    }

    /** The tools the daemon offers, as it listed them when this session registered. */
    public List<ToolSpec> tools() {
        Registered r = registered.getNow(null);
        return r == null ? List.of() : r.tools();
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
    public CompletableFuture<ToolResult> callTool(
            String name, Map<String, Object> arguments, ToolCall.Progress progress) {
        String id = UUID.randomUUID().toString();
        CompletableFuture<ToolResult> result = new CompletableFuture<>();
        inFlight.put(id, result);
        progressOf.put(id, progress);
        result.whenComplete((r, e) -> {
            progressOf.remove(id);
            if (e != null && inFlight.remove(id) != null) {
                // Given up by the caller (cancelled, timed out): the daemon stops it, and drops what it would hold.
                connection.send(new Cancel(id));
            }
        });
        if (!connection.send(new ToolRequest(id, name, arguments))) {
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
        if (!connection.send(new HookRequest(id, event, input, explicitSessionId, projectDir))) {
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
        CompletableFuture<String> result = new CompletableFuture<>();
        permissionsInFlight.put(id, result);
        if (!connection.send(new PermissionRequest(id, params))) {
            permissionsInFlight.remove(id);
            return CompletableFuture.completedFuture("");
        }
        return result;
    }

    /** Passes one line of the agent's stdin to the MCP session the daemon hosts, saying whether it went. */
    public IpcConnection.Sent relayLine(String line) {
        return connection.trySend(new IpcMessage.McpIn(line));
    }

    /** Tells the daemon whether the line sent with {@code receipt} reached the agent. */
    public boolean settle(String receipt, boolean written) {
        return connection.send(written ? new Written(receipt) : new Dropped(receipt));
    }

    /** Tells the daemon a delivery reached the agent. */
    public boolean ack(String eventId) {
        return connection.send(new Ack(eventId));
    }

    /** Asks the daemon to make way for a newer version; it closes its Lark connection, then exits. */
    public boolean requestShutdown(String reason) {
        return connection.send(new Shutdown(reason));
    }

    public boolean isOpen() {
        return connection.isOpen();
    }

    /** What this client does with each message from the daemon, on the connection's reader thread. */
    private final class Inbound implements IpcMessage.ToProxy.Handler {

        void received(IpcMessage message) {
            if (message instanceof IpcMessage.ToProxy m) {
                m.dispatchTo(this);
            }
            // else: a message only proxies send; the daemon never does, so there is nothing to do with it
        }

        @Override
        public void hello(Hello m) {
            hello.complete(m);
        }

        @Override
        public void registered(Registered m) {
            registered.complete(m);
        }

        @Override
        public void toolProgress(ToolProgress m) {
            ToolCall.Progress p = progressOf.get(m.id());
            if (p != null) {
                p.report(m.progress(), m.total(), m.message());
            }
        }

        @Override
        public void toolReply(ToolReply m) {
            ToolResult result = new ToolResult(m.text(), m.isError(), m.receipt() ? receipt(m.id()) : null);
            CompletableFuture<ToolResult> f = inFlight.remove(m.id());
            if (f == null || !f.complete(result)) {
                // Nobody takes this result any more: what it held goes back to waiting in the daemon.
                result.receipt().dropped();
            }
        }

        @Override
        public void mcpOut(IpcMessage.McpOut m) {
            onOut.accept(DaemonClient.this, m);
        }

        @Override
        public void deliver(Deliver m) {
            onDeliver.accept(DaemonClient.this, m.delivery());
        }

        @Override
        public void hookReply(HookReply m) {
            CompletableFuture<JsonNode> f = hooksInFlight.remove(m.id());
            if (f != null) {
                f.complete(m.output() == null ? MissingNode.getInstance() : m.output());
            }
        }

        @Override
        public void permissionReply(PermissionReply m) {
            CompletableFuture<String> f = permissionsInFlight.remove(m.id());
            if (f != null) {
                f.complete(m.behavior() == null ? "" : m.behavior());
            }
        }

        @Override
        public void shuttingDown(ShuttingDown m) {
            // the daemon is on its way out; the connection's close says the rest
        }

        @Override
        public void protocolError(ProtocolError m) {
            // the daemon refused what this client sent and closes the connection; a handshake waiting fails with why
            registered.completeExceptionally(new IOException("the daemon refused the registration: " + m.error()));
        }

        @Override
        public void unknown(Unknown m) {
            // newer daemons may send more; an older proxy ignores what it does not know
        }
    }

    /** Tells the daemon whether a result that handed over messages reached the agent; only the first word counts. */
    private ToolResult.Receipt receipt(String id) {
        AtomicBoolean settled = new AtomicBoolean();
        return new ToolResult.Receipt() {
            @Override
            public void written() {
                if (settled.compareAndSet(false, true)) {
                    connection.send(new Written(id));
                }
            }

            @Override
            public void dropped() {
                if (settled.compareAndSet(false, true)) {
                    connection.send(new Dropped(id));
                }
            }
        };
    }

    private void closed() {
        hello.completeExceptionally(new IOException("the daemon closed the connection"));
        registered.completeExceptionally(new IOException("the daemon closed the connection"));
        hooksInFlight.values().forEach(f -> f.completeExceptionally(lost("the hook")));
        hooksInFlight.clear();
        permissionsInFlight.values().forEach(f -> f.completeExceptionally(lost("the hook")));
        permissionsInFlight.clear();
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
