package dev.larkhandoff.server.proxy;

import dev.larkhandoff.server.transport.DaemonSocket;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the daemon for a home when none answers: under a start lock, so that of many proxies starting together
 * one spawns and the rest find it running; the daemon is detached (its own session, stdin from /dev/null,
 * output to a file) so it outlives the proxy that started it.
 */
public final class DaemonLauncher {

    private static final Logger log = LoggerFactory.getLogger(DaemonLauncher.class);
    static final String START_LOCK = "daemon-start.lock";
    public static final String MAIN_CLASS = "dev.larkhandoff.server.cli.Main";

    private final Path home;
    private final Duration startTimeout;

    public DaemonLauncher(Path home, Duration startTimeout) {
        this.home = home;
        this.startTimeout = startTimeout;
    }

    /** Makes sure a daemon answers on the home's socket, spawning one if needed. */
    public void ensureRunning() throws IOException {
        Path socket = home.resolve(DaemonSocket.FILE_NAME);
        if (DaemonSocket.answers(socket)) {
            return;
        }
        Files.createDirectories(home);
        try (FileChannel channel = FileChannel.open(home.resolve(START_LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock ignored = channel.lock()) {
            if (DaemonSocket.answers(socket)) {
                return;
            }
            Process p = spawn();
            long deadline = System.nanoTime() + startTimeout.toNanos();
            while (!DaemonSocket.answers(socket)) {
                if (!p.isAlive() && !DaemonSocket.answers(socket)) {
                    throw new IOException("the lark-handoff daemon exited at start with status " + p.exitValue()
                            + "; see " + home.resolve("logs"));
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("the lark-handoff daemon did not answer within " + startTimeout.toSeconds()
                            + " s; see " + home.resolve("logs"));
                }
                sleep(25);
            }
        }
    }

    private Process spawn() throws IOException {
        Path logs = home.resolve("logs");
        Files.createDirectories(logs);
        List<String> command = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute()) {
            command.add("/usr/bin/setsid");
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-Xss512k");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(MAIN_CLASS);
        command.add("daemon");
        command.add("--home");
        command.add(home.toString());
        log.info("starting the lark-handoff daemon for {}", home);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("daemon-console.log").toFile()))
                .redirectErrorStream(true);
        return pb.start();
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the daemon", e);
        }
    }
}
