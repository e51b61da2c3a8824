package dev.larkhandoff.server.ipc;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's Unix domain socket, {@code <home>/daemon.sock}: only its owner can reach it (the home is 0700 and
 * the socket 0600). Binding is also the backstop against two daemons: a second bind on a live socket fails.
 * While serving, it takes its path back when the file is deleted or replaced (tmp cleaners, backups), and bounds
 * what peers can hold: at most {@link Limits#maxPeers} at once, each owing a whole frame for at most
 * {@link Limits#stallTimeout}.
 */
public final class DaemonSocket implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DaemonSocket.class);
    public static final String FILE_NAME = "daemon.sock";
    private static final Duration WATCH_INTERVAL = Duration.ofSeconds(1);
    private static final Duration WARN_INTERVAL = Duration.ofSeconds(10);

    /** How many peers the socket serves at once, and how long a peer may take to send a whole frame. */
    public record Limits(int maxPeers, Duration stallTimeout) {
        /** Far more peers than the sessions one person runs; far longer than a frame takes on a local socket. */
        public static final Limits DEFAULT = new Limits(256, Duration.ofSeconds(30));
    }

    private final Path path;
    private final int maxFrame;
    private final Limits limits;
    private final AtomicInteger counter = new AtomicInteger();
    private final Set<IpcConnection> peers = ConcurrentHashMap.newKeySet();
    private final AtomicLong lastPeerWarning = new AtomicLong(System.nanoTime() - WARN_INTERVAL.toNanos());
    private final AtomicInteger peerWarningsHeldBack = new AtomicInteger();
    private volatile ServerSocketChannel server;
    /** The identity of the socket file this daemon bound, to tell it from a file put in its place. */
    private volatile Object boundFile;

    private volatile boolean closed;
    private volatile Consumer<IpcConnection> onAccept;
    private volatile String lastWatchProblem;

    private DaemonSocket(Path path, ServerSocketChannel server, int maxFrame, Limits limits) {
        this.path = path;
        this.server = server;
        this.maxFrame = maxFrame;
        this.limits = limits;
        this.boundFile = fileKey(path);
    }

    /**
     * Binds the socket with the default limits. A stale socket file (nobody answering) is replaced; a live one
     * means another daemon owns this home, and the bind fails.
     *
     * @throws IOException when another daemon is listening, or the socket cannot be created
     */
    public static DaemonSocket bind(Path home, int maxFrame) throws IOException {
        return bind(home, maxFrame, Limits.DEFAULT);
    }

    /** As {@link #bind(Path, int)}, with the given limits on peers. */
    public static DaemonSocket bind(Path home, int maxFrame, Limits limits) throws IOException {
        Files.createDirectories(home);
        try {
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            log.debug("no POSIX permissions on {}", home);
        }
        Path path = home.resolve(FILE_NAME);
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (answers(path)) {
                throw new IOException("another daemon is listening on " + path);
            }
            Files.delete(path);
        }
        return new DaemonSocket(path, listen(path), maxFrame, limits);
    }

    private static ServerSocketChannel listen(Path path) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            server.close();
            throw e;
        }
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            log.debug("no POSIX permissions on {}", path);
        }
        return server;
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

    /**
     * Accepts connections on a background thread, handing each (not yet started) to {@code onAccept}, and watches
     * the socket file and the peers on another.
     */
    public void acceptInBackground(Consumer<IpcConnection> onAccept) {
        this.onAccept = onAccept;
        acceptOn(server);
        Thread watcher = new Thread(this::watch, "daemon-socket-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private void acceptOn(ServerSocketChannel channel) {
        Thread acceptor = new Thread(
                () -> {
                    while (channel.isOpen()) {
                        try {
                            admit(channel.accept());
                        } catch (IOException e) {
                            if (channel.isOpen()) {
                                // Out of file descriptors, say: warn and let it pass rather than spin.
                                log.warn("accept on {} failed: {}", path, e.toString());
                                pause(Duration.ofMillis(100));
                            }
                        }
                    }
                },
                "daemon-socket-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Serves a new peer within the cap. At the cap, the peer that has owed a whole frame the longest makes way (a
     * flood of idle connections cannot lock sessions out); when every peer has spoken, the newcomer is closed.
     */
    private void admit(SocketChannel client) {
        IpcConnection connection = new IpcConnection(client, "peer-" + counter.incrementAndGet(), maxFrame);
        peers.removeIf(p -> !p.isOpen());
        if (peers.size() >= limits.maxPeers()) {
            long now = System.nanoTime();
            Optional<IpcConnection> longestSilent = peers.stream()
                    .filter(p -> p.owingFrameFor(now).isPresent())
                    .max(Comparator.comparing(p -> p.owingFrameFor(now).orElse(Duration.ZERO)));
            if (longestSilent.isPresent()) {
                warnAboutPeers("at the limit of " + limits.maxPeers() + " connections on " + path + ": closed "
                        + longestSilent.get().name() + ", which had sent no whole message, to serve a new one");
                longestSilent.get().close();
                peers.remove(longestSilent.get());
            } else {
                warnAboutPeers("refused a connection on " + path + ": " + limits.maxPeers()
                        + " connections are open, the limit");
                connection.close();
                return;
            }
        }
        peers.add(connection);
        onAccept.accept(connection);
    }

    private void watch() {
        while (!closed) {
            if (!pause(WATCH_INTERVAL) || closed) {
                return;
            }
            try {
                if (!stillOurs()) {
                    rebind();
                }
                lastWatchProblem = null;
            } catch (IOException e) {
                String problem = "cannot listen on " + path + " again: " + e.getMessage();
                if (!problem.equals(lastWatchProblem)) {
                    log.warn("{}; trying again every {} s", problem, WATCH_INTERVAL.toSeconds());
                    lastWatchProblem = problem;
                }
            }
            closeStalled();
        }
    }

    /** True when the path still holds the socket file this daemon bound. */
    private boolean stillOurs() throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return false;
        }
        return attributes.isOther() && (boundFile == null || boundFile.equals(attributes.fileKey()));
    }

    /** Listens on the path again; connections made before stay with the old channel's peers, untouched. */
    private synchronized void rebind() throws IOException {
        if (closed) {
            return;
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (answers(path)) {
                throw new IOException("another process listens there");
            }
            Files.delete(path);
        }
        ServerSocketChannel fresh = listen(path);
        ServerSocketChannel old = server;
        server = fresh;
        boundFile = fileKey(path);
        acceptOn(fresh);
        old.close();
        log.warn("{} had been deleted or replaced; listening on it again", path);
    }

    private void closeStalled() {
        long now = System.nanoTime();
        for (IpcConnection peer : peers) {
            if (!peer.isOpen()) {
                peers.remove(peer);
            } else if (peer.owingFrameFor(now)
                    .filter(d -> d.compareTo(limits.stallTimeout()) > 0)
                    .isPresent()) {
                warnAboutPeers("closed " + peer.name() + " on " + path + ": no whole message within "
                        + limits.stallTimeout().toSeconds() + " s");
                peer.close();
                peers.remove(peer);
            }
        }
    }

    /** At most one line per interval, so a flood of connections cannot flood the log. */
    private void warnAboutPeers(String message) {
        long now = System.nanoTime();
        long last = lastPeerWarning.get();
        if (now - last >= WARN_INTERVAL.toNanos() && lastPeerWarning.compareAndSet(last, now)) {
            int heldBack = peerWarningsHeldBack.getAndSet(0);
            log.warn(heldBack == 0 ? message : message + " (" + heldBack + " more like it since the last such line)");
        } else {
            peerWarningsHeldBack.incrementAndGet();
        }
    }

    private static Object fileKey(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** False when interrupted. */
    private static boolean pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public synchronized void close() {
        closed = true;
        try {
            server.close();
            if (stillOurs()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            log.debug("closing {}: {}", path, e.toString());
        }
    }
}
