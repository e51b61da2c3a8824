package dev.larkhandoff.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A command hook run as Claude Code runs one: a child process with the hook's JSON on its stdin (then closed), its
 * stdout read to the end, its exit awaited. Timed from just before the process starts. The environment is the
 * bench JVM's less any LARK_*, CLAUDE* and JVM option variables, plus what the caller sets.
 */
final class HookProcess {

    /**
     * One run, every time a {@link System#nanoTime}: just before the start, when {@code marker} was first read from
     * stdout (0 without one), when stdout ended and when the exit was seen.
     */
    record Run(long startNanos, long markerNanos, long eofNanos, long exitNanos, int exitCode, String stdout) {
        long nanos() {
            return exitNanos - startNanos;
        }
    }

    private final ProcessBuilder builder;

    /** {@code command} with {@code environment} added; its stderr is appended to {@code stderr}. */
    HookProcess(List<String> command, Map<String, String> environment, Path stderr) {
        this.builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        Map<String, String> env = builder.environment();
        env.keySet()
                .removeIf(k -> k.startsWith("LARK_")
                        || k.startsWith("CLAUDE")
                        || ProxyProcess.JVM_OPTION_VARIABLES.contains(k));
        env.putAll(environment);
    }

    /** Runs the hook on this thread, start to exit. */
    Run run(byte[] input) {
        long t0 = System.nanoTime();
        Process p = start(input);
        try (InputStream out = p.getInputStream()) {
            byte[] bytes = out.readAllBytes();
            long eof = System.nanoTime();
            int code = awaitExit(p);
            return new Run(t0, 0, eof, System.nanoTime(), code, new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            p.destroyForcibly();
            throw new UncheckedIOException("could not read the hook's stdout", e);
        }
    }

    /**
     * Starts the hook and returns at once: a thread of its own reads its stdout, noting when {@code marker} first
     * shows in what it read so far.
     */
    Running start(byte[] input, String marker) {
        long t0 = System.nanoTime();
        Process p = start(input);
        Running running = new Running(t0, p);
        Thread reader = new Thread(() -> running.read(marker), "hook-" + p.pid() + "-stdout");
        reader.setDaemon(true);
        reader.start();
        return running;
    }

    private Process start(byte[] input) {
        Process p;
        try {
            p = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + builder.command(), e);
        }
        try (OutputStream in = p.getOutputStream()) {
            in.write(input);
        } catch (IOException e) {
            // The hook may end without reading its input (the script does when no daemon runs): nothing to say.
        }
        return p;
    }

    /** Its exit code, once it exited (a hook should be long gone when this is called: 30 s at most). */
    private static int awaitExit(Process p) {
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("the hook did not exit within 30 s of closing its stdout");
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A hook started by {@link #start(byte[], String)}, still running or not. */
    static final class Running {
        private final long startNanos;
        private final Process process;
        private final CompletableFuture<Run> done = new CompletableFuture<>();
        private volatile long markerNanos;

        private Running(long startNanos, Process process) {
            this.startNanos = startNanos;
            this.process = process;
        }

        /** When the marker was first read, or 0 while it has not been. */
        long markerNanos() {
            return markerNanos;
        }

        /** The finished run; fails when the hook is not done within {@code timeout}. */
        Run await(Duration timeout) {
            try {
                return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                kill();
                throw new IllegalStateException("the hook did not finish within " + timeout, e);
            }
        }

        void kill() {
            process.destroyForcibly();
        }

        private void read(String marker) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try (InputStream in = process.getInputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                    if (markerNanos == 0 && out.toString(StandardCharsets.UTF_8).contains(marker)) {
                        markerNanos = System.nanoTime();
                    }
                }
                long eof = System.nanoTime();
                int code = awaitExit(process);
                done.complete(new Run(
                        startNanos, markerNanos, eof, System.nanoTime(), code, out.toString(StandardCharsets.UTF_8)));
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        }
    }
}
