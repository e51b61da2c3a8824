package dev.larkhandoff.server.proxy;

import dev.larkhandoff.server.config.SessionIdentity;
import dev.larkhandoff.server.ipc.DaemonClient;
import dev.larkhandoff.server.ipc.DaemonSocket;
import dev.larkhandoff.server.ipc.IpcConnection;
import dev.larkhandoff.server.ipc.IpcMessage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's lasting tie to the daemon: finds or starts it, replaces an older daemon with a newer one, registers as
 * a relay, and when the connection drops reconnects with back-off and registers again under the same session id,
 * while the agent's MCP session stays up. Lines sent while disconnected are refused at once.
 */
final class DaemonLink implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DaemonLink.class);
    private static final Duration HANDSHAKE = Duration.ofSeconds(10);
    private static final long MAX_BACKOFF_MS = 2_000;

    private final Path home;
    private final SessionIdentity identity;
    private final String version;
    private final DaemonLauncher launcher;
    private final BiConsumer<DaemonClient, IpcMessage.McpOut> onOut;
    private final Runnable onDisconnected;
    private final Consumer<DaemonClient> onConnected;
    private volatile DaemonClient client;
    private volatile boolean closed;
    /** Why the last reconnect failed (a daemon failing at start says its cause and log), for calls meanwhile. */
    private volatile String reconnectFailure;

    DaemonLink(
            Path home,
            SessionIdentity identity,
            String version,
            DaemonLauncher launcher,
            BiConsumer<DaemonClient, IpcMessage.McpOut> onOut,
            Consumer<DaemonClient> onConnected,
            Runnable onDisconnected) {
        this.home = home;
        this.identity = identity;
        this.version = version;
        this.launcher = launcher;
        this.onOut = onOut;
        this.onConnected = onConnected;
        this.onDisconnected = onDisconnected;
    }

    /**
     * Connects (starting or replacing the daemon as needed) and registers; {@code onConnected} runs before any line
     * of the agent's is sent on the new connection. Throws when that cannot be done.
     */
    synchronized void connect() throws IOException {
        launcher.ensureRunning();
        DaemonClient c = open();
        String daemonVersion = c.daemonHello().version();
        if (!daemonVersion.isEmpty() && Versions.compare(daemonVersion, version) < 0) {
            log.info("daemon {} is older than this proxy ({}); replacing it", daemonVersion, version);
            c.requestShutdown("replaced by version " + version);
            c.close();
            awaitGone();
            launcher.ensureRunning();
            c = open();
        }
        onConnected.accept(c);
        client = c;
    }

    private DaemonClient open() throws IOException {
        java.util.concurrent.atomic.AtomicReference<DaemonClient> self =
                new java.util.concurrent.atomic.AtomicReference<>();
        DaemonClient c = DaemonClient.connectRelay(
                home,
                identity,
                version,
                ProcessHandle.current().pid(),
                onOut,
                () -> disconnected(self.get()),
                HANDSHAKE);
        self.set(c);
        return c;
    }

    private void awaitGone() throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (DaemonSocket.answers(home.resolve(DaemonSocket.FILE_NAME))) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the older daemon did not make way within 15 s");
            }
            pause(25);
        }
    }

    /** Sends one line of the agent's to the daemon: {@code CLOSED} when not connected (a reconnect is under way). */
    IpcConnection.Sent send(String line) {
        DaemonClient c = client;
        return c != null && c.isOpen() ? c.relayLine(line) : IpcConnection.Sent.CLOSED;
    }

    /** Why the last reconnect failed, if it did (for the errors answered meanwhile). */
    String reconnectFailure() {
        return reconnectFailure;
    }

    /** Only the loss of the connection in use starts a reconnect; one closed on purpose (an old daemon) does not. */
    private void disconnected(DaemonClient which) {
        if (closed || which == null || which != client) {
            return;
        }
        log.warn("lost the connection to the lark-handoff daemon; reconnecting");
        client = null;
        onDisconnected.run();
        Thread t = new Thread(this::reconnectLoop, "daemon-reconnect");
        t.setDaemon(true);
        t.start();
    }

    private void reconnectLoop() {
        long backoff = 50;
        while (!closed) {
            try {
                connect();
                reconnectFailure = null;
                log.info("reconnected to the lark-handoff daemon as {}", identity.sessionId());
                return;
            } catch (IOException | RuntimeException e) {
                // The launcher paces respawns of a daemon that fails at start (StartFailures); this loop only
                // paces the socket checks.
                reconnectFailure = e.getMessage();
                log.debug("reconnect failed: {}", e.getMessage());
            }
            pause(backoff);
            backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        DaemonClient c = client;
        if (c != null) {
            c.close();
        }
    }
}
