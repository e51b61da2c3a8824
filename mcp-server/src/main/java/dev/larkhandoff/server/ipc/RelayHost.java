package dev.larkhandoff.server.ipc;

import dev.larkhandoff.server.session.LiveSession;
import dev.larkhandoff.server.session.SessionLink;

/**
 * Hosts the MCP sessions of relay peers ({@link IpcMessage.Register#relay}): the daemon runs the MCP server for each,
 * fed with the agent's lines ({@link IpcMessage.McpIn}) and writing its own ({@link IpcMessage.McpOut}). Kept
 * behind this interface so the socket protocol knows nothing of the MCP SDK.
 */
public interface RelayHost {

    /** No MCP sessions hosted: a relay registration is refused. */
    RelayHost NONE = new RelayHost() {
        @Override
        public SessionLink open(IpcConnection connection, LiveSession session) {
            return null;
        }

        @Override
        public void line(IpcConnection connection, String line) {}

        @Override
        public boolean settle(IpcConnection connection, String receipt, boolean written) {
            return false;
        }

        @Override
        public void closed(IpcConnection connection) {}
    };

    /**
     * Starts an MCP session for a relay connection; returns the link the registry and the router use to reach it
     * (its deliveries become channel notifications written through the relay), or null when relays are not served.
     */
    SessionLink open(IpcConnection connection, LiveSession session);

    /** One line of the agent's stdin, in order. */
    void line(IpcConnection connection, String line);

    /** The relay wrote (or could not write) a line sent with this receipt; false when the receipt is not the host's. */
    boolean settle(IpcConnection connection, String receipt, boolean written);

    /** The connection closed: its session ends, and what it was handed and never confirmed waits again. */
    void closed(IpcConnection connection);
}
