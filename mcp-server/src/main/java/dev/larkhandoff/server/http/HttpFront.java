package dev.larkhandoff.server.http;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.hooks.HookHandler;
import dev.larkhandoff.server.mcp.McpSurface;
import dev.larkhandoff.server.session.SessionRegistry;
import dev.larkhandoff.server.tool.ToolCall;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.DefaultServerTransportSecurityValidator;
import io.modelcontextprotocol.server.transport.HttpServletSseServerTransportProvider;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.server.transport.ServerTransportSecurityValidator;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's MCP over HTTP, on loopback only: Streamable HTTP at {@code /mcp} and legacy SSE at {@code /sse} +
 * {@code /message}, behind the bearer token of {@code <home>/http.token} and Origin/Host checks against DNS
 * rebinding. Each MCP session is a registered pull session of the daemon while it lasts. The same front is served on
 * {@code <home>/http.sock} too, which is where hooks go: a TCP port named in a file may belong to another local user
 * once the daemon is gone, the owner-only socket in the owner-only home cannot.
 */
public final class HttpFront implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpFront.class);

    public static final String MCP_PATH = "/mcp";
    public static final String SSE_PATH = "/sse";
    public static final String MESSAGE_PATH = "/message";
    static final String LOOPBACK = "127.0.0.1";
    /** The Unix domain socket in the home that serves the same front; hook clients use only this. */
    public static final String SOCKET_FILE = "http.sock";

    /** DNS rebinding: a page from elsewhere may reach 127.0.0.1, but it cannot pose as a local origin or host. */
    private static final ServerTransportSecurityValidator REBINDING = DefaultServerTransportSecurityValidator.builder()
            .allowedOrigins(List.of("http://localhost:*", "http://127.0.0.1:*"))
            .allowedHosts(List.of("localhost:*", "127.0.0.1:*"))
            .build();

    /**
     * How often the SDK pings open streams, and how often it evicts Streamable sessions idle since its previous
     * sweep. Jetty does not notice a client that silently drops an idle SSE stream; the first ping that cannot be
     * written does, so a vanished SSE client goes offline within about two keep-alive intervals.
     */
    record Timing(Duration keepAlive, Duration sessionSweep) {
        static final Timing DEFAULT = new Timing(Duration.ofSeconds(15), Duration.ofMinutes(30));
    }

    private final Server jetty;
    private final ServerConnector connector;
    private final Path socket;
    private final List<McpSyncServer> servers;
    private final HttpSessions sessions;
    private final AtomicBoolean closed = new AtomicBoolean();

    private HttpFront(
            Server jetty, ServerConnector connector, Path socket, List<McpSyncServer> servers, HttpSessions sessions) {
        this.jetty = jetty;
        this.connector = connector;
        this.socket = socket;
        this.servers = servers;
        this.sessions = sessions;
    }

    /**
     * Starts serving on 127.0.0.1:{@code port} (0 picks a free port).
     *
     * @param afterRegistered runs after each HTTP session registers (the router replays pending messages then)
     * @param version the daemon's version, which the MCP server reports
     */
    public static HttpFront start(
            Path home,
            int port,
            ToolCatalog catalog,
            SessionRegistry registry,
            Runnable afterRegistered,
            String version)
            throws IOException {
        return start(home, port, catalog, registry, afterRegistered, version, Timing.DEFAULT, HookHandler.NONE);
    }

    /** As {@link #start(Path, int, ToolCatalog, SessionRegistry, Runnable, String)}, answering hooks at {@code /hooks/<Event>}. */
    public static HttpFront start(
            Path home,
            int port,
            ToolCatalog catalog,
            SessionRegistry registry,
            Runnable afterRegistered,
            String version,
            HookHandler hooks)
            throws IOException {
        return start(home, port, catalog, registry, afterRegistered, version, Timing.DEFAULT, hooks);
    }

    static HttpFront start(
            Path home,
            int port,
            ToolCatalog catalog,
            SessionRegistry registry,
            Runnable afterRegistered,
            String version,
            Timing timing)
            throws IOException {
        return start(home, port, catalog, registry, afterRegistered, version, timing, HookHandler.NONE);
    }

    static HttpFront start(
            Path home,
            int port,
            ToolCatalog catalog,
            SessionRegistry registry,
            Runnable afterRegistered,
            String version,
            Timing timing,
            HookHandler hooks)
            throws IOException {
        return start(home, port, catalog, registry, afterRegistered, version, timing, hooks, HttpLimits.DEFAULT);
    }

    static HttpFront start(
            Path home,
            int port,
            ToolCatalog catalog,
            SessionRegistry registry,
            Runnable afterRegistered,
            String version,
            Timing timing,
            HookHandler hooks,
            HttpLimits limits)
            throws IOException {
        HttpToken token = HttpToken.loadOrCreate(home);
        HttpSessions sessions = new HttpSessions(registry, afterRegistered, version);
        McpJsonMapper json = new JacksonMcpJsonMapper(ServerJson.mapper());
        var streamable = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json)
                .mcpEndpoint(MCP_PATH)
                .contextExtractor(HttpFront::identity)
                .securityValidator(REBINDING)
                .keepAliveInterval(timing.keepAlive())
                .sessionSweepInterval(timing.sessionSweep())
                .maxRequestSize(limits.maxBody())
                .build();
        var sse = HttpServletSseServerTransportProvider.builder()
                .jsonMapper(json)
                .sseEndpoint(SSE_PATH)
                .messageEndpoint(MESSAGE_PATH)
                .contextExtractor(HttpFront::identity)
                .securityValidator(REBINDING)
                .keepAliveInterval(timing.keepAlive())
                .maxRequestSize(limits.maxBody())
                .build();
        HttpCalls calls = new HttpCalls((mcpSessionId, key) ->
                sessions.link(mcpSessionId).ifPresent(link -> registry.calls().cancel(link, key)));
        List<McpServerFeatures.SyncToolSpecification> tools = tools(catalog, sessions, registry, calls);
        List<McpSyncServer> servers = List.of(
                mcpServer(
                        McpServer.sync(new ObservedStreamableProvider(streamable, sessions, calls)),
                        json,
                        tools,
                        version),
                mcpServer(McpServer.sync(new ObservedSseProvider(sse, sessions)), json, tools, version));

        Server jetty = new Server(threads());
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost(LOOPBACK);
        connector.setPort(port);
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        jetty.addConnector(connector);
        Path socket = socketConnector(jetty, home, limits);
        jetty.setHandler(servlets(token, sessions, streamable, sse, hooks, limits));
        HttpFront front = new HttpFront(jetty, connector, socket, servers, sessions);
        try {
            jetty.start();
            if (socket != null) {
                ownerOnly(socket);
            }
        } catch (Exception e) {
            front.close();
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("cannot start the HTTP MCP front: " + e.getMessage(), e);
        }
        log.info(
                "HTTP MCP front listening on {}{} and {}{}, and on {}",
                front.url(),
                MCP_PATH,
                front.url(),
                SSE_PATH,
                socket);
        return front;
    }

    /**
     * {@code <home>/http.sock}, re-created: a socket file left by a daemon that died belongs to nobody, and this
     * daemon holds the home's lock. Null (with a warning) when the path is too long for a Unix socket.
     */
    private static Path socketConnector(Server jetty, Path home, HttpLimits limits) throws IOException {
        Path socket = home.resolve(SOCKET_FILE).toAbsolutePath();
        if (socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                > UnixDomainServerConnector.MAX_UNIX_DOMAIN_PATH_LENGTH) {
            log.warn("{} is too long a path for a Unix socket; hooks cannot reach this daemon", socket);
            return null;
        }
        Files.deleteIfExists(socket);
        UnixDomainServerConnector connector = new UnixDomainServerConnector(jetty);
        connector.setUnixDomainPath(socket);
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        jetty.addConnector(connector);
        return socket;
    }

    /** The home is owner-only already; the socket is narrowed too, in case the home was opened up. */
    private static void ownerOnly(Path socket) throws IOException {
        try {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }

    /** The Unix socket it serves on, or null when the home's path is too long for one. */
    public Path socket() {
        return socket;
    }

    /** The port it listens on (the one picked when started with 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** The base URL, {@code http://127.0.0.1:<port>}; clients append {@code /mcp} or {@code /sse}. */
    public String url() {
        return "http://" + LOOPBACK + ":" + port();
    }

    /** Stops serving: MCP sessions are closed, Jetty stops, and every HTTP session is offline when this returns. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (McpSyncServer server : servers) {
            try {
                server.closeGracefully();
            } catch (RuntimeException e) {
                log.warn("closing an MCP server failed: {}", e.getMessage());
            }
        }
        try {
            jetty.stop();
        } catch (Exception e) {
            log.warn("stopping Jetty failed: {}", e.getMessage());
        }
        sessions.endAll();
        if (socket != null) {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                // the next daemon re-creates it
            }
        }
    }

    /** Each request's identity headers, for the tool calls it carries. */
    private static McpTransportContext identity(HttpServletRequest request) {
        Map<String, Object> context = new java.util.HashMap<>();
        context.put(HttpIdentity.CONTEXT_KEY, HttpIdentity.of(request));
        HttpCalls.requestKey(request).ifPresent(key -> context.put(McpSurface.REQUEST_KEY, key));
        return McpTransportContext.create(context);
    }

    /**
     * Each tool call runs tied to its MCP session and request, so that a cancel or the session's end stops it; a
     * result that hands over messages is settled when the SDK writes its response (Streamable HTTP), or at once where
     * the request cannot be matched to its response (legacy SSE).
     */
    private static List<McpServerFeatures.SyncToolSpecification> tools(
            ToolCatalog catalog, HttpSessions sessions, SessionRegistry registry, HttpCalls calls) {
        return catalog.specs().stream()
                .map(spec -> McpSurface.tool(
                        spec,
                        (exchange, requestKey, call) -> sessions.callerOf(
                                        exchange.sessionId(), exchange.transportContext())
                                .flatMap(caller -> sessions.link(exchange.sessionId())
                                        .map(link -> {
                                            Object fromBody = exchange.transportContext() == null
                                                    ? null
                                                    : exchange.transportContext()
                                                            .get(McpSurface.REQUEST_KEY);
                                            String known = requestKey != null
                                                    ? requestKey
                                                    : fromBody == null ? null : fromBody.toString();
                                            String key = known != null
                                                    ? known
                                                    : java.util
                                                            .UUID
                                                            .randomUUID()
                                                            .toString();
                                            ToolResult result = registry.calls()
                                                    .call(
                                                            link,
                                                            key,
                                                            caller,
                                                            spec.name(),
                                                            () -> catalog.call(
                                                                    spec.name(),
                                                                    new ToolCall(
                                                                            caller,
                                                                            call.arguments(),
                                                                            call.progress())));
                                            if (result.needsReceipt()) {
                                                if (known != null && HttpSessions.STREAMABLE.equals(link.transport())) {
                                                    calls.awaitWrite(exchange.sessionId(), known, result.receipt());
                                                } else {
                                                    // Legacy SSE answers on its event stream, where the response is not
                                                    // observed.
                                                    result.receipt().written();
                                                }
                                            }
                                            return result;
                                        }))
                                .orElseGet(() -> ToolResult.error(
                                        "This MCP session is no longer registered with the lark-handoff "
                                                + "daemon; reconnect to start a new one."))))
                .toList();
    }

    private static McpSyncServer mcpServer(
            McpServer.SyncSpecification<?> spec,
            McpJsonMapper json,
            List<McpServerFeatures.SyncToolSpecification> tools,
            String version) {
        return spec.serverInfo(McpSurface.SERVER_NAME, version)
                .instructions(McpSurface.INSTRUCTIONS)
                .capabilities(McpSurface.capabilities())
                .jsonMapper(json)
                // The daemon's tools check their own arguments and answer with their own exact error texts.
                .validateToolInputs(false)
                .tools(tools)
                .build();
    }

    private static ServletContextHandler servlets(
            HttpToken token,
            HttpSessions sessions,
            HttpServlet streamable,
            HttpServlet sse,
            HookHandler hooks,
            HttpLimits limits) {
        ServletContextHandler context = new ServletContextHandler("/");
        RefusalLog refusals = RefusalLog.perMinute(LoggerFactory.getLogger(RefusalLog.class));
        context.addFilter(asyncFilter(new BearerFilter(token, refusals)), "/*", EnumSet.of(DispatcherType.REQUEST));
        // After the token: a stranger's body is never read, the owner's is read whole (within bounds) before use.
        context.addFilter(asyncFilter(new BodyFilter(limits, refusals)), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addFilter(asyncFilter(new SessionScopeFilter(sessions)), "/*", EnumSet.of(DispatcherType.REQUEST));
        ServletHolder streamableHolder = new ServletHolder("mcp-streamable", streamable);
        streamableHolder.setAsyncSupported(true);
        context.addServlet(streamableHolder, MCP_PATH);
        ServletHolder sseHolder = new ServletHolder("mcp-sse", sse);
        sseHolder.setAsyncSupported(true);
        context.addServlet(sseHolder, SSE_PATH);
        context.addServlet(sseHolder, MESSAGE_PATH);
        context.addServlet(new ServletHolder("hooks", new HookServlet(hooks)), HookServlet.PATH);
        return context;
    }

    /** Both transports keep streams open asynchronously, which every filter in front of them must allow. */
    private static FilterHolder asyncFilter(Filter filter) {
        FilterHolder holder = new FilterHolder(filter);
        holder.setAsyncSupported(true);
        return holder;
    }

    /**
     * Daemon threads, so Jetty never holds the process up. (MCP SDK 2.1.0's session sweeper runs on a non-daemon
     * thread it never disposes; the daemon has to end with an explicit exit.)
     */
    private static QueuedThreadPool threads() {
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("http-front");
        threads.setDaemon(true);
        return threads;
    }
}
