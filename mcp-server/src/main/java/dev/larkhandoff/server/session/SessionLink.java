package dev.larkhandoff.server.session;

/**
 * How the daemon reaches one registered session: a socket connection for a stdio proxy, an HTTP MCP session for
 * OpenCode or the Inspector. Routing and the registry only need to deliver to it, close and name it.
 */
public interface SessionLink {

    /** Pushes one inbound event to the session; false when it was not sent (the link is closed, or takes no pushes). */
    boolean deliver(Delivery delivery);

    boolean isOpen();

    void close();

    /** For logs. */
    String name();
}
