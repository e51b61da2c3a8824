package dev.larkhandoff.bench;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * One real {@code lark-handoff stdio} process, started through the repository's {@code lark-handoff} launcher
 * (so with the launcher's JVM flags and the shaded jar), driven by the MCP Java SDK client over a stdio transport
 * of our own: one thread reads the proxy's stdout and timestamps every line as it is read. Channel notifications
 * go straight to a {@link ChannelSink} with that timestamp (the SDK client has no handler for them); every other
 * line is handed to the SDK client.
 */
final class ProxyProcess implements AutoCloseable {

    static final String CHANNEL_METHOD = "notifications/claude/channel";
    /** How the daemon writes a channel notification (McpSurface.channelNotification): fields in this order, no spaces. */
    private static final String CHANNEL_PREFIX = "{\"jsonrpc\":\"2.0\",\"method\":\"" + CHANNEL_METHOD + "\"";

    static final java.util.Set<String> JVM_OPTION_VARIABLES =
            java.util.Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

    /** Receives each channel notification line and the {@link System#nanoTime} at which it was read. */
    interface ChannelSink {
        void line(long readNanos, String line);
    }

    /** {@link System#nanoTime} just before the process was started. */
    final long spawnNanos;

    private final Process process;
    private final OutputStream stdin;
    private final Object writeLock = new Object();
    private final McpJsonMapper json = McpJsonDefaults.getMapper();
    private final ChannelSink sink;
    private final CompletableFuture<Long> firstResponse = new CompletableFuture<>();
    private volatile Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler;
    private volatile McpSyncClient client;

    private ProxyProcess(long spawnNanos, Process process, ChannelSink sink) {
        this.spawnNanos = spawnNanos;
        this.process = process;
        this.stdin = process.getOutputStream();
        this.sink = sink;
        Thread reader = new Thread(this::readStdout, "proxy-" + process.pid() + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code /bin/sh <launcher> stdio} for session {@code sessionId} of {@code home}, its stderr going to
     * {@code stderr}, and initializes an SDK client over it.
     */
    static ProxyProcess start(Path launcher, Path home, String sessionId, String role, Path stderr, ChannelSink sink) {
        return start(launcher, home, home, sessionId, role, stderr, sink);
    }

    /** As {@link #start(Path, Path, String, String, Path, ChannelSink)}, in project directory {@code projectDir}. */
    static ProxyProcess start(
            Path launcher, Path home, Path projectDir, String sessionId, String role, Path stderr, ChannelSink sink) {
        return start(launcher, home, projectDir, sessionId, role, Map.of(), stderr, sink);
    }

    /**
     * As {@link #start(Path, Path, Path, String, String, Path, ChannelSink)}, with {@code environment} added to the
     * proxy's environment (and so to that of the daemon it spawns), e.g. {@code LARK_HANDOFF_MACHINE}.
     */
    static ProxyProcess start(
            Path launcher,
            Path home,
            Path projectDir,
            String sessionId,
            String role,
            Map<String, String> environment,
            Path stderr,
            ChannelSink sink) {
        ProcessBuilder pb =
                launcherCommand(launcher, "stdio").redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        Map<String, String> env = pb.environment();
        env.putAll(environment);
        env.put("LARK_HANDOFF_HOME", home.toString());
        env.put("LARK_HANDOFF_SESSION_ID", sessionId);
        env.put("LARK_HANDOFF_ROLE", role);
        env.put("CLAUDE_PROJECT_DIR", projectDir.toString());
        long t0 = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + launcher, e);
        }
        ProxyProcess proxy = new ProxyProcess(t0, p, sink);
        try {
            proxy.client = McpClient.sync(proxy.new Transport())
                    .requestTimeout(Duration.ofSeconds(30))
                    .initializationTimeout(Duration.ofSeconds(60))
                    .clientInfo(new McpSchema.Implementation("lark-handoff-bench", "1.0"))
                    .build();
            proxy.client.initialize();
        } catch (RuntimeException e) {
            proxy.close();
            throw new IllegalStateException(
                    "the proxy for " + sessionId + " did not initialize (stderr in " + stderr + ")", e);
        }
        return proxy;
    }

    /**
     * {@code /bin/sh <launcher> args…} with the bench's own Java and none of the caller's LARK_*, CLAUDE_* or JVM
     * option variables (LARK_HANDOFF_JAVA_OPTS included): the processes run with the launcher's flags alone.
     */
    static ProcessBuilder launcherCommand(Path launcher, String... args) {
        List<String> command = new ArrayList<>(List.of("/bin/sh", launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("LARK_") || k.startsWith("CLAUDE") || JVM_OPTION_VARIABLES.contains(k));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return pb;
    }

    /** Nanoseconds that {@code lark-handoff --version} takes from start to exit: the JVM's own start-up floor. */
    static long versionNanos(Path launcher) {
        ProcessBuilder pb = launcherCommand(launcher, "--version")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        long t0 = System.nanoTime();
        try {
            Process p = pb.start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("lark-handoff --version did not end within 30 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("lark-handoff --version exited with " + p.exitValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return System.nanoTime() - t0;
    }

    long pid() {
        return process.pid();
    }

    /** Nanoseconds from just before the process started to reading the initialize result from its stdout. */
    long startToInitializeNanos() {
        return firstResponse.join() - spawnNanos;
    }

    McpSyncClient client() {
        return client;
    }

    private void readStdout() {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8), 1 << 16)) {
            for (String line; (line = in.readLine()) != null; ) {
                long now = System.nanoTime();
                if (line.startsWith(CHANNEL_PREFIX) || (line.contains(CHANNEL_METHOD) && isChannel(line))) {
                    sink.line(now, line);
                    continue;
                }
                McpSchema.JSONRPCMessage message;
                try {
                    message = McpSchema.deserializeJsonRpcMessage(json, line);
                } catch (IOException | RuntimeException e) {
                    System.err.println("proxy " + process.pid() + " wrote a line that is not JSON-RPC: " + line);
                    continue;
                }
                if (message instanceof McpSchema.JSONRPCResponse) {
                    firstResponse.complete(now);
                }
                var h = handler;
                if (h != null) {
                    h.apply(Mono.just(message))
                            .subscribe(
                                    ignored -> {},
                                    e -> System.err.println(
                                            "proxy " + process.pid() + ": the SDK client failed on a message: " + e));
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    private boolean isChannel(String line) {
        try {
            return json.readValue(line, McpSchema.JSONRPCMessage.class) instanceof McpSchema.JSONRPCNotification n
                    && CHANNEL_METHOD.equals(n.method());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private void writeLine(String line) {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (writeLock) {
            try {
                stdin.write(bytes);
                stdin.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("the proxy's stdin is closed", e);
            }
        }
    }

    private void closeStdin() {
        synchronized (writeLock) {
            try {
                stdin.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    /** Ends the session as an agent does (stdin closes), then makes sure the process is gone. */
    @Override
    public void close() {
        closeStdin();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(3, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(3, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the process at once (cleanup after a failure). */
    void kill() {
        process.destroyForcibly();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** A client transport over this process's stdin and stdout. */
    private final class Transport implements McpClientTransport {

        @Override
        public Mono<Void> connect(Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> h) {
            return Mono.fromRunnable(() -> handler = h);
        }

        @Override
        public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
            return Mono.fromRunnable(() -> {
                try {
                    writeLine(json.writeValueAsString(message));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }

        @Override
        public Mono<Void> closeGracefully() {
            return Mono.fromRunnable(ProxyProcess.this::closeStdin);
        }

        @Override
        public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
            return json.convertValue(data, typeRef);
        }
    }
}
