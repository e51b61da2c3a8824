package dev.larkhandoff.plugin;

import dev.larkhandoff.server.ServerJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A real OpenCode ({@code opencode serve}) running headless in a project directory, driven through its own HTTP
 * API: sessions, prompts, and the permission requests nobody in the terminal answers.
 */
final class OpenCodeServer implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+)");
    private static final Duration PROMPT_BOUND = Duration.ofSeconds(180);

    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final URI base;
    // HTTP/1.1: the JDK's default h2c upgrade offer on a POST leaves OpenCode's (Bun's) server never answering.
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private OpenCodeServer(Process process, Path stdout, Path stderr, URI base) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.base = base;
    }

    /** Starts {@code opencode serve} on a free port in {@code project}, with exactly {@code env}, and waits until it is healthy. */
    static OpenCodeServer start(Path binary, Path project, Path logs, Map<String, String> env)
            throws IOException, InterruptedException {
        Path out = logs.resolve("opencode.out");
        Path err = logs.resolve("opencode.err");
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort(); // "--port 0" would mean OpenCode's default, 4096
        }
        ProcessBuilder pb = new ProcessBuilder(
                        binary.toString(),
                        "serve",
                        "--port",
                        String.valueOf(port),
                        "--hostname",
                        "127.0.0.1",
                        "--print-logs",
                        "--log-level",
                        "INFO")
                .directory(project.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        ClientRun.isolate(pb, env);
        Process p = pb.start();
        p.getOutputStream().close();
        Instant deadline = Instant.now().plusSeconds(120);
        URI base = null;
        while (base == null) {
            Matcher m = LISTENING.matcher(Files.readString(out, StandardCharsets.UTF_8));
            if (m.find()) {
                base = URI.create(m.group(1) + "/");
            } else if (!p.isAlive() || Instant.now().isAfter(deadline)) {
                OpenCodeServer failed = new OpenCodeServer(p, out, err, null);
                failed.close();
                throw new IllegalStateException("opencode serve did not start" + failed.diagnostics());
            } else {
                Thread.sleep(100);
            }
        }
        OpenCodeServer server = new OpenCodeServer(p, out, err, base);
        server.awaitHealthy(deadline);
        return server;
    }

    private void awaitHealthy(Instant deadline) throws InterruptedException {
        while (true) {
            try {
                if (send(get("global/health")).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("opencode serve never became healthy" + diagnostics());
            }
            Thread.sleep(100);
        }
    }

    /** A new OpenCode session; its id. */
    String createSession() throws IOException, InterruptedException {
        // The first request builds the project's instance: OpenCode installs its plugin package and starts the MCP
        // servers, which on a cold machine takes a while.
        HttpResponse<String> res;
        try {
            res = send(post("session", "{}").timeout(Duration.ofSeconds(150)));
        } catch (java.net.http.HttpTimeoutException e) {
            throw new IllegalStateException("OpenCode did not create a session in 150 s" + diagnostics(), e);
        }
        check(res, "POST /session");
        return ServerJson.mapper().readTree(res.body()).path("id").asString();
    }

    /** Sends {@code text} as the user; completes when OpenCode has finished the turn (which may wait for a permission). */
    CompletableFuture<JsonNode> prompt(String sessionId, String text) {
        String body = ServerJson.mapper()
                .createObjectNode()
                .set(
                        "parts",
                        ServerJson.mapper()
                                .createArrayNode()
                                .add(ServerJson.mapper()
                                        .createObjectNode()
                                        .put("type", "text")
                                        .put("text", text)))
                .toString();
        return http.sendAsync(
                        post("session/" + sessionId + "/message", body)
                                .timeout(PROMPT_BOUND)
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .thenApply(res -> {
                    check(res, "the prompt '" + text + "'");
                    return ServerJson.mapper().readTree(res.body());
                });
    }

    /** The permission requests waiting for an answer (OpenCode's own list, as its terminal prompt would show them). */
    List<JsonNode> pendingPermissions() throws IOException, InterruptedException {
        HttpResponse<String> res = send(get("permission"));
        check(res, "GET /permission");
        List<JsonNode> out = new java.util.ArrayList<>();
        ServerJson.mapper().readTree(res.body()).forEach(out::add);
        return out;
    }

    /** Answers a permission request the way OpenCode's terminal prompt does. */
    void replyPermission(String requestId, String reply) throws IOException, InterruptedException {
        check(
                send(post("permission/" + requestId + "/reply", "{\"reply\":\"" + reply + "\"}")),
                "the reply to " + requestId);
    }

    /** OpenCode's own output, for a failed assertion. */
    String diagnostics() {
        try {
            return "\n--- opencode stdout:\n" + Files.readString(stdout) + "\n--- opencode stderr (tail):\n"
                    + tail(Files.readString(stderr), 8000) + "\n---";
        } catch (IOException e) {
            return "\n(opencode's output could not be read: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .GET();
    }

    private HttpRequest.Builder post(String path, String json) {
        return HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void check(HttpResponse<String> res, String what) {
        if (res.statusCode() / 100 != 2) {
            throw new IllegalStateException(what + " answered " + res.statusCode() + ": " + res.body() + diagnostics());
        }
    }

    private static String tail(String s, int max) {
        return s.length() <= max ? s : "..." + s.substring(s.length() - max);
    }
}
