package dev.larkhandoff.server.proxy;

import dev.larkhandoff.server.ipc.DaemonClient;
import dev.larkhandoff.server.ipc.DaemonSocket;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the daemon for a home when none answers: under a start lock, so that of many proxies starting together
 * one spawns and the rest find it running; the daemon is detached (its own session, stdin from /dev/null,
 * output to a file, working directory its home) so it outlives the proxy that started it and leaves nothing in
 * the agent's project. A daemon that keeps failing at start is tried again less and less often
 * ({@link StartFailures}).
 */
public final class DaemonLauncher {

    private static final Logger log = LoggerFactory.getLogger(DaemonLauncher.class);
    static final String START_LOCK = "daemon-start.lock";
    public static final String MAIN_CLASS = "dev.larkhandoff.server.cli.Main";
    /** The daemon's exit status when another daemon holds the home's lock (DaemonCommand.ALREADY_RUNNING). */
    static final int ALREADY_RUNNING = 3;

    static final String CONSOLE_LOG = "daemon-console.log";

    private final Path home;
    private final Duration startTimeout;
    private final Clock clock;

    public DaemonLauncher(Path home, Duration startTimeout) {
        this(home, startTimeout, Clock.systemUTC());
    }

    DaemonLauncher(Path home, Duration startTimeout, Clock clock) {
        this.home = home;
        this.startTimeout = startTimeout;
        this.clock = clock;
    }

    /**
     * Makes sure a daemon answers on the home's socket, spawning one if needed.
     *
     * @throws IOException naming the cause and the log when the daemon fails at start, or when it failed so
     *                     recently that it is not tried again yet
     */
    public void ensureRunning() throws IOException {
        Path socket = home.resolve(DaemonSocket.FILE_NAME);
        if (DaemonSocket.answers(socket)) {
            return;
        }
        Files.createDirectories(home);
        try (FileChannel channel = FileChannel.open(
                        home.resolve(START_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = channel.lock()) {
            if (DaemonSocket.answers(socket)) {
                return;
            }
            StartFailures failures = StartFailures.read(home);
            Instant now = clock.instant();
            if (now.isBefore(failures.nextAttempt())) {
                throw new IOException("the lark-handoff daemon failed to start " + failures.count() + " time(s) in a"
                        + " row, last at " + failures.last() + ": " + failures.cause() + "; not trying again before "
                        + failures.nextAttempt() + " (see " + console() + " and " + home.resolve("logs/daemon.log")
                        + ")");
            }
            long consoleBefore = size(console());
            Process p = spawn();
            long deadline = System.nanoTime() + startTimeout.toNanos();
            boolean lockHeld = false;
            while (!greets()) {
                if (!lockHeld && !p.isAlive() && !greets()) {
                    if (p.exitValue() == ALREADY_RUNNING) {
                        // A daemon holds the lock but its socket does not answer (deleted under it): that daemon
                        // puts its socket back, so wait for it like for a new one.
                        log.info("another daemon holds the lock of {}; waiting for its socket", home);
                        lockHeld = true;
                    } else {
                        String cause = "exit status " + p.exitValue() + firstError(consoleBefore);
                        StartFailures after = StartFailures.record(home, failures, clock.instant(), cause);
                        throw new IOException("the lark-handoff daemon exited at start (" + cause + "); failure "
                                + after.count() + " in a row, the next try waits "
                                + after.backoff().toSeconds()
                                + " s; see " + console() + " and " + home.resolve("logs/daemon.log"));
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("the lark-handoff daemon did not answer within " + startTimeout.toSeconds()
                            + " s"
                            + (lockHeld
                                    ? " (another daemon holds the home's lock, but its socket " + socket
                                            + " does not answer)"
                                    : "")
                            + "; see " + home.resolve("logs"));
                }
                sleep(25);
            }
            if (failures.count() > 0) {
                StartFailures.clear(home);
            }
        }
    }

    /**
     * The daemon binds its socket before it opens the store, so a socket that takes connections may belong to a
     * daemon about to fail at start: only its greeting says it serves.
     */
    private boolean greets() {
        if (!DaemonSocket.answers(home.resolve(DaemonSocket.FILE_NAME))) {
            return false;
        }
        try (DaemonClient ignored = DaemonClient.probe(home, Duration.ofSeconds(2))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private Path console() {
        return home.resolve("logs").resolve(CONSOLE_LOG);
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The first line of the error the daemon printed at start ({@code ": the database … is not …"}), or "". */
    private String firstError(long from) {
        try (var in = Files.newInputStream(console())) {
            in.skipNBytes(Math.min(from, size(console())));
            String text = new String(in.readNBytes(64 * 1024), java.nio.charset.StandardCharsets.UTF_8);
            for (String line : text.split("\\R")) {
                if (!line.isBlank() && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("Caused by")) {
                    String message = line.replaceFirst("^[\\w.$]+(Exception|Error): ", "")
                            .strip();
                    return ": " + (message.length() > 500 ? message.substring(0, 500) + "…" : message);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no console to read: the exit status alone
        }
        return "";
    }

    private Process spawn() throws IOException {
        Path dir = home.toAbsolutePath();
        Path logs = dir.resolve("logs");
        Files.createDirectories(logs);
        List<String> command = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute()) {
            command.add("/usr/bin/setsid");
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:+UseSerialGC");
        // No -XX:TieredStopAtLevel=1 here, unlike the short-lived CLI: the daemon runs for days and its hot path
        // (decode, store, route) pays for C2's compilation many times over.
        command.add("-Xss512k");
        // A JVM crash report belongs with the daemon's logs, not in whatever directory the agent runs in.
        command.add("-XX:ErrorFile=" + logs.resolve("hs_err_pid%p.log"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(MAIN_CLASS);
        command.add("daemon");
        command.add("--home");
        command.add(dir.toString());
        log.info("starting the lark-handoff daemon for {}", home);
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        logs.resolve(CONSOLE_LOG).toFile()))
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
