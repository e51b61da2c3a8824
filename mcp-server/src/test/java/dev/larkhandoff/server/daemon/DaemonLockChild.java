package dev.larkhandoff.server.daemon;

import dev.larkhandoff.server.ipc.FrameDecoder;
import java.nio.file.Path;

/** A child process for DaemonLockTest: tries to become the daemon, says "won" or "lost"; a winner holds on until its stdin closes. */
public final class DaemonLockChild {

    private DaemonLockChild() {}

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]);
        var lock = DaemonLock.tryAcquire(home, FrameDecoder.DEFAULT_MAX_FRAME);
        System.out.println(lock.isPresent() ? "won" : "lost");
        System.out.flush();
        if (lock.isPresent()) {
            while (System.in.read() >= 0) {
                // hold the lock until the test closes our stdin (or kills us)
            }
            lock.get().close();
        }
    }
}
