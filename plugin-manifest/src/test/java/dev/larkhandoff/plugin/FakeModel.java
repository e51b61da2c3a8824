package dev.larkhandoff.plugin;

import dev.larkhandoff.server.ServerJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * The scripted model behind a test's OpenCode ({@code fake-model.mjs}): "call &lt;tool&gt; &lt;json&gt;" makes it call
 * that tool; what each tool returned is logged, so a test sees exactly what OpenCode gave back to the model.
 */
final class FakeModel implements AutoCloseable {

    private final Process process;
    private final Path log;
    final int port;

    private FakeModel(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    static FakeModel start(Path script, Path log) throws IOException {
        Files.writeString(log, "");
        Process p = new ProcessBuilder("node", script.toString(), log.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        p.getOutputStream().close();
        String first = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (first == null) {
            p.destroyForcibly();
            throw new IllegalStateException("the fake model exited before listening");
        }
        return new FakeModel(
                p, log, ServerJson.mapper().readTree(first).path("port").asInt());
    }

    /** The OpenAI-compatible base URL OpenCode's provider config points at. */
    String baseUrl() {
        return "http://127.0.0.1:" + port + "/v1";
    }

    /** What the last call of {@code tool} returned to the model, if it was called. */
    Optional<String> lastResultOf(String tool) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        for (int i = lines.size() - 1; i >= 0; i--) {
            JsonNode entry = ServerJson.mapper().readTree(lines.get(i));
            if (tool.equals(entry.path("tool").asString(""))) {
                return Optional.of(entry.path("result").asString(""));
            }
        }
        return Optional.empty();
    }

    /** Every tool result so far, for a failed assertion. */
    String transcript() throws IOException {
        return "\n--- tool results the model saw:\n" + Files.readString(log, StandardCharsets.UTF_8) + "---";
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
