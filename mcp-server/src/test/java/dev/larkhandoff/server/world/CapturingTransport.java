package dev.larkhandoff.server.world;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * A client transport that records the {@code notifications/claude/channel} messages the SDK client would drop
 * (it has no handler for custom notifications), as Claude Code would receive them.
 */
final class CapturingTransport implements McpClientTransport {

    private final McpClientTransport delegate;
    final BlockingQueue<Map<String, Object>> channelEvents = new LinkedBlockingQueue<>();
    /** The answers of Claude Code's channel permission relay the server sent. */
    final BlockingQueue<Map<String, Object>> permissionAnswers = new LinkedBlockingQueue<>();

    CapturingTransport(McpClientTransport delegate) {
        this.delegate = delegate;
    }

    @Override
    public Mono<Void> connect(Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
        return delegate.connect(in -> handler.apply(in.doOnNext(this::record)));
    }

    @SuppressWarnings("unchecked")
    private void record(McpSchema.JSONRPCMessage message) {
        if (message instanceof McpSchema.JSONRPCNotification n && "notifications/claude/channel".equals(n.method())) {
            channelEvents.add((Map<String, Object>) n.params());
        }
        if (message instanceof McpSchema.JSONRPCNotification n
                && "notifications/claude/channel/permission".equals(n.method())) {
            permissionAnswers.add((Map<String, Object>) n.params());
        }
    }

    @Override
    public void setExceptionHandler(Consumer<Throwable> handler) {
        delegate.setExceptionHandler(handler);
    }

    @Override
    public Mono<Void> closeGracefully() {
        return delegate.closeGracefully();
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
        return delegate.sendMessage(message);
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
        return delegate.unmarshalFrom(data, typeRef);
    }

    @Override
    public List<String> protocolVersions() {
        return delegate.protocolVersions();
    }
}
