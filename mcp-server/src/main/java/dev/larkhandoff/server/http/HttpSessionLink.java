package dev.larkhandoff.server.http;

import dev.larkhandoff.server.session.Delivery;
import dev.larkhandoff.server.session.SessionLink;
import java.util.concurrent.atomic.AtomicBoolean;

/** The registry's handle on one HTTP MCP session: open until the MCP session ends or the daemon closes it. */
final class HttpSessionLink implements SessionLink {

    private final String transport;
    private final String mcpSessionId;
    private final Runnable closeMcpSession;
    private final AtomicBoolean open = new AtomicBoolean(true);
    private volatile String sessionId;

    HttpSessionLink(String transport, String mcpSessionId, Runnable closeMcpSession) {
        this.transport = transport;
        this.mcpSessionId = mcpSessionId;
        this.closeMcpSession = closeMcpSession;
    }

    /**
     * HTTP sessions pull their messages with wait_for_reply; the router never pushes to a pull session, so there is
     * nothing to send here.
     */
    @Override
    public boolean deliver(Delivery delivery) {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open.get();
    }

    /** The daemon ends this session (it registered again on another connection): its MCP session is closed too. */
    @Override
    public void close() {
        if (open.compareAndSet(true, false)) {
            closeMcpSession.run();
        }
    }

    /** The MCP session already ended on its own; nothing left to close. */
    void ended() {
        open.set(false);
    }

    @Override
    public String name() {
        return transport + ":" + mcpSessionId;
    }

    String transport() {
        return transport;
    }

    String mcpSessionId() {
        return mcpSessionId;
    }

    /** The daemon session id once registered, else null. */
    String sessionId() {
        return sessionId;
    }

    void registeredAs(String id) {
        this.sessionId = id;
    }
}
