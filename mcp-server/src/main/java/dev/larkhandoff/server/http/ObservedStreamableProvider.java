package dev.larkhandoff.server.http;

import io.modelcontextprotocol.spec.McpStreamableServerSession;
import io.modelcontextprotocol.spec.McpStreamableServerTransportProvider;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * The Streamable HTTP provider as the MCP server sees it: the SDK's own, except that each session it starts is
 * recorded (and registered) before the client hears its id, and wrapped so that its end, its requests' cancels and
 * its responses are seen.
 */
final class ObservedStreamableProvider implements McpStreamableServerTransportProvider {

    private final McpStreamableServerTransportProvider delegate;
    private final HttpSessions sessions;
    private final HttpCalls calls;

    ObservedStreamableProvider(McpStreamableServerTransportProvider delegate, HttpSessions sessions, HttpCalls calls) {
        this.delegate = delegate;
        this.sessions = sessions;
        this.calls = calls;
    }

    @Override
    public void setSessionFactory(McpStreamableServerSession.Factory factory) {
        delegate.setSessionFactory(initializeRequest -> {
            // Runs on the servlet thread of the initialize request, before the response names the session.
            var init = factory.startSession(initializeRequest);
            String id = init.session().getId();
            HttpIdentity identity = RequestScope.currentIdentity();
            EndObservingSession observed = new EndObservingSession(
                    init.session(),
                    () -> {
                        calls.ended(id);
                        sessions.ended(id);
                    },
                    calls);
            return new McpStreamableServerSession.McpStreamableServerSessionInit(
                    observed,
                    init.initResult()
                            .doOnSuccess(result ->
                                    sessions.started(HttpSessions.STREAMABLE, id, identity, observed::closeQuietly)));
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
