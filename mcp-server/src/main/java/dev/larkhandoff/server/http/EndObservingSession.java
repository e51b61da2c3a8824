package dev.larkhandoff.server.http;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStreamableServerSession;
import io.modelcontextprotocol.spec.McpStreamableServerTransport;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A Streamable HTTP session of the SDK that reports its end. The provider ends sessions three ways (DELETE, its
 * idle sweep, its own shutdown) and announces none of them; all three go through this session's
 * {@code delete}/{@code closeGracefully}/{@code close}, so the provider is handed this wrapper instead of the
 * SDK's session. Every public method delegates (a test checks none is missed when the SDK changes).
 */
final class EndObservingSession extends McpStreamableServerSession {

    private final McpStreamableServerSession delegate;
    private final Runnable onEnd;
    private final HttpCalls calls;
    private final AtomicBoolean ended = new AtomicBoolean();

    EndObservingSession(McpStreamableServerSession delegate, Runnable onEnd, HttpCalls calls) {
        // The superclass state is never used: every method below goes to the delegate.
        super(delegate.getId(), null, null, Duration.ZERO, Map.of(), Map.of());
        this.delegate = delegate;
        this.onEnd = onEnd;
        this.calls = calls;
    }

    /** Closes the SDK's session (its streams end) without reporting an end: the provider still holds it. */
    void closeQuietly() {
        delegate.closeGracefully().subscribe();
    }

    private void end() {
        if (ended.compareAndSet(false, true)) {
            onEnd.run();
        }
    }

    @Override
    public Mono<Void> delete() {
        return delegate.delete().doOnSuccess(v -> end());
    }

    @Override
    public Mono<Void> closeGracefully() {
        return delegate.closeGracefully().doFinally(signal -> end());
    }

    @Override
    public void close() {
        try {
            delegate.close();
        } finally {
            end();
        }
    }

    @Override
    public void setMinLoggingLevel(McpSchema.LoggingLevel minLoggingLevel) {
        delegate.setMinLoggingLevel(minLoggingLevel);
    }

    @Override
    public boolean isNotificationForLevelAllowed(McpSchema.LoggingLevel loggingLevel) {
        return delegate.isNotificationForLevelAllowed(loggingLevel);
    }

    @Override
    public String getId() {
        return delegate.getId();
    }

    @Override
    public <T> Mono<T> sendRequest(String method, Object requestParams, TypeRef<T> typeRef) {
        return delegate.sendRequest(method, requestParams, typeRef);
    }

    @Override
    public Mono<Void> sendNotification(String method) {
        return delegate.sendNotification(method);
    }

    @Override
    public Mono<Void> sendNotification(String method, Object params) {
        return delegate.sendNotification(method, params);
    }

    @Override
    public boolean hasListeningStream() {
        return delegate.hasListeningStream();
    }

    @Override
    public boolean hasOpenStream() {
        return delegate.hasOpenStream();
    }

    @Override
    public McpStreamableServerSessionStream listeningStream(McpStreamableServerTransport transport) {
        return delegate.listeningStream(transport);
    }

    @Override
    public void releaseListeningStream() {
        delegate.releaseListeningStream();
    }

    @Override
    public Flux<McpSchema.JSONRPCMessage> replay(Object lastEventId) {
        return delegate.replay(lastEventId);
    }

    @Override
    public McpStreamableServerSessionStream responseStream(McpStreamableServerTransport transport) {
        // The stream of one POST: its response is observed, so a result is settled once written (see HttpCalls).
        return delegate.responseStream(calls.observe(getId(), transport));
    }

    @Override
    public Mono<Void> responseStream(McpSchema.JSONRPCRequest jsonrpcRequest, McpStreamableServerTransport transport) {
        return delegate.responseStream(jsonrpcRequest, calls.observe(getId(), transport));
    }

    @Override
    public Mono<Void> accept(McpSchema.JSONRPCNotification notification) {
        calls.notification(getId(), notification);
        return delegate.accept(notification);
    }

    @Override
    public Mono<Void> accept(McpSchema.JSONRPCResponse response) {
        return delegate.accept(response);
    }
}
