package dev.larkhandoff.server.daemon;

/** Starts the daemon's HTTP MCP front (wired once the http package lands). */
final class HttpFrontStarter {

    /** A running front. */
    interface Front extends AutoCloseable {
        String url();
    }

    private HttpFrontStarter() {
    }

    static AutoCloseable start(Daemon daemon) {
        return null;
    }
}
