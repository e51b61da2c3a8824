package dev.larkhandoff.server.http;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.session.LiveSession;
import dev.larkhandoff.server.session.SessionRegistry;
import dev.larkhandoff.store.session.DeliveryMode;
import io.modelcontextprotocol.common.McpTransportContext;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP MCP sessions of both transports, each a registered pull session of the daemon from the moment it starts
 * until it ends, keyed by the SDK's MCP session id.
 */
final class HttpSessions {

    private static final Logger log = LoggerFactory.getLogger(HttpSessions.class);

    static final String STREAMABLE = "http";
    static final String SSE = "sse";

    private final SessionRegistry registry;
    private final Runnable afterRegistered;
    private final String version;
    private final Map<String, HttpSessionLink> links = new ConcurrentHashMap<>();

    HttpSessions(SessionRegistry registry, Runnable afterRegistered, String version) {
        this.registry = registry;
        this.afterRegistered = afterRegistered;
        this.version = version;
    }

    /**
     * The SDK started an MCP session. It registers now when the opening request's identity is known, otherwise at
     * its first tool call.
     */
    void started(String transport, String mcpSessionId, HttpIdentity identity, Runnable closeMcpSession) {
        HttpSessionLink link = new HttpSessionLink(transport, mcpSessionId, closeMcpSession);
        links.put(mcpSessionId, link);
        if (identity != null) {
            register(link, identity);
        } else {
            log.warn(
                    "{} session {} started outside a request; it registers at its first tool call",
                    transport,
                    mcpSessionId);
        }
    }

    /** The MCP session ended (closed by the client, dropped, swept as idle, or the front stopped): offline at once. */
    void ended(String mcpSessionId) {
        HttpSessionLink link = links.remove(mcpSessionId);
        if (link != null) {
            link.ended();
            registry.disconnected(link);
            log.info("{} session {} ({}) ended", link.transport(), mcpSessionId, link.sessionId());
        }
    }

    /**
     * The daemon session a tool call runs for: the session registered for this MCP session, registered now if it
     * has not been yet. Empty when the MCP session is unknown or was closed by the daemon.
     */
    Optional<String> callerOf(String mcpSessionId, McpTransportContext context) {
        HttpSessionLink link = links.get(mcpSessionId);
        if (link == null || !link.isOpen()) {
            return Optional.empty();
        }
        synchronized (link) {
            if (link.sessionId() == null) {
                Object identity = context == null ? null : context.get(HttpIdentity.CONTEXT_KEY);
                if (!(identity instanceof HttpIdentity known)) {
                    return Optional.empty();
                }
                register(link, known);
            }
        }
        return Optional.of(link.sessionId());
    }

    /** The registry's link of an open MCP session. */
    Optional<HttpSessionLink> link(String mcpSessionId) {
        HttpSessionLink link = mcpSessionId == null ? null : links.get(mcpSessionId);
        return link == null || !link.isOpen() ? Optional.empty() : Optional.of(link);
    }

    /** An MCP session the daemon closed while the SDK still holds it: its requests are refused. */
    boolean closedByDaemon(String mcpSessionId) {
        HttpSessionLink link = mcpSessionId == null ? null : links.get(mcpSessionId);
        return link != null && !link.isOpen();
    }

    /** The front stops: every session it still holds goes offline. */
    void endAll() {
        List.copyOf(links.keySet()).forEach(this::ended);
    }

    private void register(HttpSessionLink link, HttpIdentity identity) {
        LiveSession session = identity.session(link.mcpSessionId(), link.transport(), version);
        synchronized (link) {
            registry.register(
                    session, DeliveryMode.PULL, ServerJson.mapper().writeValueAsString(session.metadata()), link);
            link.registeredAs(session.sessionId());
        }
        log.info(
                "{} session {} registered as {} ({})",
                link.transport(),
                link.mcpSessionId(),
                session.sessionId(),
                session.role());
        afterRegistered.run();
    }
}
