package dev.larkhandoff.server.transport;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's Unix domain socket, {@code <home>/daemon.sock}: only its owner can reach it (the home is 0700 and
 * the socket 0600). Binding is also the backstop against two daemons: a second bind on a live socket fails.
 */
public final class DaemonSocket implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DaemonSocket.class);
    public static final String FILE_NAME = "daemon.sock";

    private final Path path;
    private final ServerSocketChannel server;
    private final int maxFrame;
    private final AtomicInteger counter = new AtomicInteger();
    private Thread acceptor;

    private DaemonSocket(Path path, ServerSocketChannel server, int maxFrame) {
        this.path = path;
        this.server = server;
        this.maxFrame = maxFrame;
    }

    /**
     * Binds the socket. A stale socket file (nobody answering) is replaced; a live one means another daemon
     * owns this home, and the bind fails.
     *
     * @throws IOException when another daemon is listening, or the socket cannot be created
     */
    public static DaemonSocket bind(Path home, int maxFrame) throws IOException {
        Files.createDirectories(home);
        try {
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            log.debug("no POSIX permissions on {}", home);
        }
        Path path = home.resolve(FILE_NAME);
        if (Files.exists(path)) {
            if (answers(path)) {
                throw new IOException("another daemon is listening on " + path);
            }
            Files.delete(path);
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            log.debug("no POSIX permissions on {}", path);
        }
        return new DaemonSocket(path, server, maxFrame);
    }

    /** True when a daemon accepts connections on this socket path. */
    public static boolean answers(Path socket) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Connects to the daemon of a home as a client. */
    public static IpcConnection connect(Path home, String name, int maxFrame) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(home.resolve(FILE_NAME)));
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return new IpcConnection(channel, name, maxFrame);
    }

    /** Accepts connections on a background thread, handing each (not yet started) to {@code onAccept}. */
    public void acceptInBackground(Consumer<IpcConnection> onAccept) {
        acceptor = new Thread(() -> {
            while (server.isOpen()) {
                try {
                    SocketChannel client = server.accept();
                    onAccept.accept(new IpcConnection(client, "peer-" + counter.incrementAndGet(), maxFrame));
                } catch (IOException e) {
                    if (server.isOpen()) {
                        log.warn("accept on {} failed: {}", path, e.toString());
                    }
                }
            }
        }, "daemon-socket-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.debug("closing {}: {}", path, e.toString());
        }
    }
}
