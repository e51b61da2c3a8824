package dev.larkhandoff.server.relay;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.ipc.DaemonIpc;
import dev.larkhandoff.server.ipc.IpcConnection;
import dev.larkhandoff.server.ipc.RelayHost;
import dev.larkhandoff.server.mcp.McpSurface;
import dev.larkhandoff.server.session.LiveSession;
import dev.larkhandoff.server.session.SessionLink;
import dev.larkhandoff.server.session.SessionRegistry;
import dev.larkhandoff.server.tool.ToolCall;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpServerSession;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Hosts one MCP server session per relay connection ({@link RelayHost}): the daemon's tools, called for the session
 * the relay registered, and its deliveries written as channel notifications through the relay. The relay itself only
 * passes lines, so an agent's session costs the daemon a connection and this session, and the relay next to nothing.
 */
public final class RelaySessions implements RelayHost, McpServerTransportProvider, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RelaySessions.class);

    private final McpJsonMapper json = new JacksonMcpJsonMapper(ServerJson.mapper());
    private final SessionRegistry registry;
    private final ExecutorService runner;
    private final DaemonIpc.PermissionRelay permissions;
    private final Runnable afterInitialized;
    private final Map<IpcConnection, RelaySession> byConnection = new ConcurrentHashMap<>();
    private final Map<String, RelaySession> bySdkSession = new ConcurrentHashMap<>();
    private final reactor.core.scheduler.Scheduler toolScheduler;
    private volatile McpServerSession.Factory factory;
    private McpSyncServer server;

    private RelaySessions(
            SessionRegistry registry,
            ExecutorService runner,
            DaemonIpc.PermissionRelay permissions,
            Runnable afterInitialized) {
        this.registry = registry;
        this.runner = runner;
        this.permissions = permissions;
        this.afterInitialized = afterInitialized;
        this.toolScheduler = reactor.core.scheduler.Schedulers.fromExecutorService(runner, "relay-tools");
    }

    /**
     * @param runner runs the slow answers that must not hold a connection's reader (permission requests)
     * @param afterInitialized runs when a session's client has initialized, on that connection's reader: it must only
     *     queue the replay of what waited for it (a replay that writes to this connection would block its reader)
     */
    public static RelaySessions start(
            ToolCatalog catalog,
            SessionRegistry registry,
            ExecutorService runner,
            DaemonIpc.PermissionRelay permissions,
            Runnable afterInitialized,
            String version) {
        RelaySessions host = new RelaySessions(registry, runner, permissions, afterInitialized);
        host.server = McpServer.sync(host)
                .serverInfo(McpSurface.SERVER_NAME, version)
                .instructions(McpSurface.INSTRUCTIONS)
                .capabilities(McpSurface.capabilities())
                .jsonMapper(host.json)
                // The daemon's tools check their own arguments and answer with their own exact error texts.
                .validateToolInputs(false)
                // A tool runs on the thread that handles its request, which RelaySession puts on the daemon's own
                // unbounded tool pool: a wait may last an hour, and the SDK's default pool (ten threads a core)
                // would queue every other session's calls behind twenty of them.
                .immediateExecution(true)
                .tools(host.tools(catalog))
                .build();
        return host;
    }

    private List<McpServerFeatures.SyncToolSpecification> tools(ToolCatalog catalog) {
        return catalog.specs().stream()
                .map(spec -> McpSurface.tool(spec, (exchange, requestKey, call) -> {
                    RelaySession session = bySdkSession.get(exchange.sessionId());
                    if (session == null) {
                        return ToolResult.error("This MCP session is no longer registered with the lark-handoff"
                                + " daemon; restart the MCP server to start a new one.");
                    }
                    String caller = session.live().sessionId();
                    String key =
                            requestKey != null ? requestKey : UUID.randomUUID().toString();
                    ToolResult result = registry.calls()
                            .call(
                                    session,
                                    key,
                                    caller,
                                    spec.name(),
                                    () -> catalog.call(
                                            spec.name(), new ToolCall(caller, call.arguments(), call.progress())));
                    if (result.needsReceipt()) {
                        if (requestKey == null) {
                            result.receipt().written(); // cannot be matched to its line; written right away
                        } else {
                            session.awaitWrite(requestKey, result.receipt());
                        }
                    }
                    return result;
                }))
                .toList();
    }

    // ---- RelayHost ----

    @Override
    public SessionLink open(IpcConnection connection, LiveSession live) {
        McpServerSession.Factory f = factory;
        if (f == null) {
            return null;
        }
        RelaySession session = new RelaySession(
                connection, live, registry.calls(), json, toolScheduler, this::initialized, this::decide);
        RelaySession previous = byConnection.put(connection, session);
        if (previous != null) {
            previous.end();
        }
        session.attach(f.create(session));
        bySdkSession.put(session.sdkId(), session);
        return session;
    }

    @Override
    public void line(IpcConnection connection, String line) {
        RelaySession session = byConnection.get(connection);
        if (session != null) {
            session.received(line);
        }
    }

    @Override
    public boolean settle(IpcConnection connection, String receipt, boolean written) {
        RelaySession session = byConnection.get(connection);
        return session != null && session.settle(receipt, written);
    }

    @Override
    public void closed(IpcConnection connection) {
        RelaySession session = byConnection.remove(connection);
        if (session != null) {
            bySdkSession.remove(session.sdkId());
            session.end();
        }
    }

    private void initialized(RelaySession session) {
        try {
            afterInitialized.run();
        } catch (RuntimeException e) {
            log.warn("after {} initialized: {}", session.name(), e.getMessage());
        }
    }

    /** A channel permission request, decided off the reader thread; a decision is written back to the agent. */
    private void decide(RelaySession session, tools.jackson.databind.JsonNode params) {
        String requestId = params.path("request_id").asString("");
        if (requestId.isEmpty()) {
            return;
        }
        runner.execute(() -> {
            try {
                permissions
                        .decide(session.live().sessionId(), params)
                        .ifPresent(behavior -> session.write(
                                McpSurface.permissionAnswer(requestId, behavior).toString()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.warn("channel permission request failed: {}", e.getMessage());
            }
        });
    }

    // ---- McpServerTransportProvider ----

    @Override
    public void setSessionFactory(McpServerSession.Factory sessionFactory) {
        this.factory = sessionFactory;
    }

    @Override
    public Mono<Void> notifyClients(String method, Object params) {
        return Flux.fromIterable(byConnection.values())
                .flatMap(s -> s.notify(method, params))
                .then();
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.fromRunnable(this::endAll);
    }

    private void endAll() {
        byConnection.values().forEach(RelaySession::end);
        byConnection.clear();
        bySdkSession.clear();
    }

    /** Ends every hosted session (the daemon is stopping). */
    @Override
    public void close() {
        McpSyncServer s = server;
        if (s != null) {
            try {
                s.closeGracefully();
            } catch (RuntimeException e) {
                log.debug("closing the relay MCP server: {}", e.getMessage());
            }
        }
        endAll();
    }
}
