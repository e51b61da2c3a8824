package dev.larkhandoff.server.session;

import tools.jackson.databind.node.ObjectNode;

/**
 * How the daemon reaches one registered session: a socket connection for a stdio proxy, an HTTP MCP session for
 * OpenCode or the Inspector. Routing and the registry only need to send, close and name it.
 */
public interface SessionLink {

    /** Sends a message; false when the link is already closed (the message was not sent). */
    boolean send(ObjectNode message);

    boolean isOpen();

    void close();

    /** For logs. */
    String name();
}
