package dev.larkhandoff.server.world;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.ServerJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A real {@code lark-handoff stdio} child process driven line by line, without an MCP client, so a test can do
 * what clients do but the SDK client cannot: send what no client would, cancel a request, ignore a response, go away
 * mid-call. Each stdout line is kept with its length.
 */
public final class RawStdio implements AutoCloseable {

    /** How long a line is awaited unless the test says otherwise: a first proxy also starts the daemon. */
    private static final Duration LINE_TIMEOUT = Duration.ofSeconds(60);

    /** The {@code initialize} request a raw client sends, as request {@code id}. */
    public static String initialize(int id) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}";
    }

    public static final String INITIALIZED = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";

    /** One stdout line, parsed, and its length in bytes. */
    public record Line(JsonNode json, int bytes) {}

    private final Process process;
    private final OutputStream stdin;
    private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();

    private RawStdio(Process process) {
        this.process = process;
        this.stdin = process.getOutputStream();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = r.readLine()) != null) {
                            lines.add(new Line(
                                    ServerJson.mapper().readTree(line), line.getBytes(StandardCharsets.UTF_8).length));
                        }
                    } catch (Exception ignored) {
                        // the process ended
                    }
                },
                "raw-stdio-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts a proxy for {@code home} as session {@code id} with {@code env} added, not yet initialized. */
    public static RawStdio launch(Path home, String id, Map<String, String> env, ProcessBuilder.Redirect stderr)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(ChildJvm.command("stdio")).redirectError(stderr);
        pb.environment().put("LARK_HANDOFF_HOME", home.toString());
        pb.environment().put("LARK_HANDOFF_SESSION_ID", id);
        pb.environment().putAll(env);
        return new RawStdio(pb.start());
    }

    /** Starts a proxy for {@code home} as session {@code id} with {@code env} added, and initializes it. */
    public static RawStdio start(Path home, String id, Map<String, String> env) throws Exception {
        RawStdio raw = launch(home, id, env, ProcessBuilder.Redirect.INHERIT);
        raw.send(initialize(0));
        raw.response(0, Duration.ofSeconds(120));
        raw.send(INITIALIZED);
        return raw;
    }

    public void send(String line) throws Exception {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** Closes the proxy's stdin, as a client that goes away does. */
    public void closeStdin() throws IOException {
        stdin.close();
    }

    /** Sends {@code tools/call} with this id (no answer awaited). */
    public void call(int id, String tool, Map<String, Object> arguments) throws Exception {
        ObjectNode call = ServerJson.mapper()
                .createObjectNode()
                .put("jsonrpc", "2.0")
                .put("id", id)
                .put("method", "tools/call");
        call.putObject("params")
                .put("name", tool)
                .set("arguments", ServerJson.mapper().valueToTree(arguments));
        send(call.toString());
    }

    /** Sends the client's cancel of request {@code id}. */
    public void cancel(int id) throws Exception {
        send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":" + id
                + ",\"reason\":\"the user pressed Esc\"}}");
    }

    /** The next stdout line, whatever it is. */
    public JsonNode next() throws InterruptedException {
        Line l = lines.poll(LINE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(l).as("a line on stdout").isNotNull();
        return l.json();
    }

    /** The next error answer, past any notification the server sends meanwhile. */
    public JsonNode nextError() throws InterruptedException {
        while (true) {
            JsonNode n = next();
            if (n.has("error")) {
                return n;
            }
        }
    }

    /** The response to request {@code id}, waiting as long as for any line. */
    public JsonNode nextWithId(int id) throws InterruptedException {
        return response(id, LINE_TIMEOUT).json();
    }

    /** The response to request {@code id} (lines before it are skipped). */
    public Line response(int id, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Line l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertThat(l)
                    .as("the response to request " + id + " within " + timeout)
                    .isNotNull();
            if (l.json().path("id").asInt(-1) == id && !l.json().has("method")) {
                return l;
            }
        }
    }

    /** The text of a tool result's first content block. */
    public static String text(Line response) {
        return response.json()
                .path("result")
                .path("content")
                .get(0)
                .path("text")
                .asString();
    }

    /** The child process, for what a test asks of it directly: alive, exit value, a signal. */
    public Process process() {
        return process;
    }

    /** Kills the proxy the way a crash or {@code kill -9} does. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    public List<Line> drain() {
        List<Line> out = new ArrayList<>();
        lines.drainTo(out);
        return out;
    }
}
