package dev.larkhandoff.server.daemon;

import dev.larkhandoff.server.ipc.DaemonSocket;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The right to be the one daemon of a home: an exclusive lock on {@code <home>/daemon.lock}, then a re-probe of
 * the socket (a daemon that predates the lock may be serving), then the socket bind as the last backstop. Any of
 * the three failing means another daemon serves this home. The lock dies with the process, kill -9 included.
 */
public final class DaemonLock implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DaemonLock.class);
    public static final String FILE_NAME = "daemon.lock";

    private final FileChannel channel;
    private final FileLock lock;
    private final DaemonSocket socket;

    private DaemonLock(FileChannel channel, FileLock lock, DaemonSocket socket) {
        this.channel = channel;
        this.lock = lock;
        this.socket = socket;
    }

    /** Becomes the daemon of {@code home}, or returns empty when another daemon already is. */
    public static Optional<DaemonLock> tryAcquire(Path home, int maxFrame) throws IOException {
        Files.createDirectories(home);
        FileChannel channel =
                FileChannel.open(home.resolve(FILE_NAME), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            return Optional.empty();
        }
        try {
            if (DaemonSocket.answers(home.resolve(DaemonSocket.FILE_NAME))) {
                log.info("a daemon is already serving {} without holding the lock; not starting another", home);
                release(lock, channel);
                return Optional.empty();
            }
            return Optional.of(new DaemonLock(channel, lock, DaemonSocket.bind(home, maxFrame)));
        } catch (IOException e) {
            log.info("another daemon bound {} first: {}", home, e.getMessage());
            release(lock, channel);
            return Optional.empty();
        }
    }

    /** The socket this daemon serves on. */
    public DaemonSocket socket() {
        return socket;
    }

    private static void release(FileLock lock, FileChannel channel) throws IOException {
        lock.release();
        channel.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
        release(lock, channel);
    }
}
