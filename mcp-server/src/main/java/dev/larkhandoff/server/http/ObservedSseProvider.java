package dev.larkhandoff.server.http;

import io.modelcontextprotocol.spec.McpServerSession;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * The legacy SSE provider as the MCP server sees it: the SDK's own, except that each session (one per SSE stream)
 * is recorded and registered before the client learns where to post its messages.
 */
final class ObservedSseProvider implements McpServerTransportProvider {

    private final McpServerTransportProvider delegate;
    private final HttpSessions sessions;

    ObservedSseProvider(McpServerTransportProvider delegate, HttpSessions sessions) {
        this.delegate = delegate;
        this.sessions = sessions;
    }

    @Override
    public void setSessionFactory(McpServerSession.Factory factory) {
        delegate.setSessionFactory(transport -> {
            // Runs on the servlet thread of the GET that opens the stream, before the endpoint event is sent.
            McpServerSession session = factory.create(transport);
            sessions.started(
                    HttpSessions.SSE,
                    session.getId(),
                    RequestScope.currentIdentity(),
                    () -> session.closeGracefully().subscribe());
            RequestScope.sseSessionStarted(session.getId());
            return session;
        });
    }

    @Override
    public Mono<Void> notifyClients(String method, Object params) {
        return delegate.notifyClients(method, params);
    }

    @Override
    public Mono<Void> notifyClient(String sessionId, String method, Object params) {
        return delegate.notifyClient(sessionId, method, params);
    }

    @Override
    public Mono<Void> closeGracefully() {
        return delegate.closeGracefully();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public List<String> protocolVersions() {
        return delegate.protocolVersions();
    }
}
