package dev.larkhandoff.server.inspector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.larkhandoff.server.ServerJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * The MCP Inspector CLI ({@code @modelcontextprotocol/inspector}, pinned in {@code src/test/node/package-lock.json}
 * and installed by the build with {@code npm ci} into the directory named by the system property
 * {@code inspectorDir}), run as {@code node <its mcp-inspector bin> --cli …} with HOME set to a scratch directory,
 * each run bounded in time and its output kept in files.
 */
final class InspectorCli implements AutoCloseable {

    /** The version package-lock.json pins; the installed package must be this one. */
    static final String VERSION = "2.12.0";
    /** The longest one Inspector run may take; a hung run is killed with its children and fails the test. */
    static final Duration RUN_BOUND = Duration.ofSeconds(90);
    /** Passed as --connect-timeout: room for a stdio proxy's JVM to start on a busy two-core machine. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(60);

    /** What one run did. */
    record Run(List<String> command, int exitCode, String stdout, String stderr) {

        /** The {@code result} of the one JSON object {@code --format json} prints on stdout. */
        JsonNode result() {
            JsonNode out = stdoutJson();
            assertThat(out.has("result"))
                    .as("a result on stdout" + diagnostics())
                    .isTrue();
            return out.path("result");
        }

        /** The {@code error} of the JSON envelope the Inspector prints on stderr when a run fails. */
        JsonNode error() {
            List<String> lines = stderr.lines()
                    .map(String::strip)
                    .filter(l -> l.startsWith("{\"error\""))
                    .toList();
            assertThat(lines)
                    .as("an {\"error\":…} line on stderr" + diagnostics())
                    .isNotEmpty();
            return ServerJson.mapper().readTree(lines.get(lines.size() - 1)).path("error");
        }

        /** The text of the first content block of a tools/call result. */
        String toolText() {
            JsonNode result = result();
            assertThat(result.path("isError").asBoolean())
                    .as("isError" + diagnostics())
                    .isFalse();
            return result.path("content").path(0).path("text").asString();
        }

        private JsonNode stdoutJson() {
            try {
                return ServerJson.mapper().readTree(stdout);
            } catch (RuntimeException e) {
                return fail("stdout is not one JSON object: " + e.getMessage() + diagnostics());
            }
        }

        String diagnostics() {
            return "\n--- command: " + String.join(" ", redacted(command)) + "\n--- exit code: " + exitCode
                    + "\n--- stdout:\n" + abbreviated(stdout) + "\n--- stderr:\n" + abbreviated(stderr) + "\n---";
        }
    }

    private final Path bin;
    private final Path scratch;
    private final Path nodeHome;
    private final List<Process> started = new ArrayList<>();
    private int runs;

    private InspectorCli(Path bin, Path scratch) throws IOException {
        this.bin = bin;
        this.scratch = scratch;
        this.nodeHome = Files.createDirectories(scratch.resolve("node-home"));
    }

    /**
     * The Inspector the build installed, after checking that node runs and that the installed package is the
     * pinned version. Fails (never skips) when either is missing: the check is part of the build.
     */
    static InspectorCli installed(Path scratch) throws IOException, InterruptedException {
        String nodeVersion = nodeVersion();
        String dir = System.getProperty("inspectorDir");
        assertThat(dir)
                .as("system property inspectorDir (set by the Maven build, which stages src/test/node and "
                        + "runs npm ci there)")
                .isNotBlank();
        Path pkg = Path.of(dir, "node_modules", "@modelcontextprotocol", "inspector");
        assertThat(pkg.resolve("package.json"))
                .as("the MCP Inspector installed by npm ci in " + dir + " (run the build without -DskipTests; node "
                        + nodeVersion + ")")
                .isRegularFile();
        JsonNode manifest = ServerJson.mapper().readTree(Files.readString(pkg.resolve("package.json")));
        assertThat(manifest.path("version").asString())
                .as("installed Inspector version")
                .isEqualTo(VERSION);
        Path bin = pkg.resolve(manifest.path("bin").path("mcp-inspector").asString())
                .normalize();
        assertThat(bin).as("the mcp-inspector bin of " + pkg).isRegularFile();
        return new InspectorCli(bin, scratch);
    }

    private static String nodeVersion() throws InterruptedException {
        Process node;
        try {
            node = new ProcessBuilder("node", "--version")
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            return fail("node is required for the MCP Inspector check but could not be started (" + e.getMessage()
                    + "): install Node.js 20 or newer and put `node` on the PATH");
        }
        try {
            if (!node.waitFor(30, TimeUnit.SECONDS)) {
                return fail("`node --version` did not answer within 30 s");
            }
            String version = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(node.exitValue())
                    .as("`node --version` exit code (" + version + ")")
                    .isZero();
            return version;
        } catch (IOException e) {
            return fail("could not read `node --version`: " + e.getMessage());
        } finally {
            node.destroyForcibly();
        }
    }

    /** Runs {@code node <mcp-inspector> --cli <args>} to its end (bounded by {@link #RUN_BOUND}). */
    Run run(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node", bin.toString(), "--cli"));
        command.addAll(args);
        int n = ++runs;
        Path out = scratch.resolve("inspector-" + n + ".out");
        Path err = scratch.resolve("inspector-" + n + ".err");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(nodeHome.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        Map<String, String> env = pb.environment();
        // Nothing of the developer's own setup leaks in: the Inspector writes ~/.mcp-inspector under a scratch HOME,
        // and the server it starts gets exactly what -e passes.
        env.keySet().removeIf(k -> k.startsWith("LARK_HANDOFF_") || k.startsWith("MCP_") || k.startsWith("XDG_"));
        env.put("HOME", nodeHome.toString());
        Process process = pb.start();
        synchronized (started) {
            started.add(process);
        }
        if (!process.waitFor(RUN_BOUND.toSeconds(), TimeUnit.SECONDS)) {
            killTree(process.toHandle());
            Run hung = new Run(command, -1, Files.readString(out), Files.readString(err));
            return fail("the Inspector did not finish within " + RUN_BOUND + hung.diagnostics());
        }
        Run run = new Run(command, process.exitValue(), Files.readString(out), Files.readString(err));
        System.err.println("[inspector] exit " + run.exitCode() + " from " + String.join(" ", redacted(command))
                + (run.exitCode() == 0
                        ? ""
                        : "\n[inspector] stderr: " + run.stderr().strip()));
        return run;
    }

    /** The command line with the bearer token blanked and the classpath shortened, for messages and logs. */
    static List<String> redacted(List<String> command) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < command.size(); i++) {
            String a = command.get(i);
            boolean classpath = i > 0 && command.get(i - 1).equals("-cp");
            out.add(
                    a.startsWith("Authorization: Bearer ")
                            ? "Authorization: Bearer <token>"
                            : classpath ? "<test classpath>" : a);
        }
        return out;
    }

    private static String abbreviated(String s) {
        return s.length() <= 20_000 ? s : s.substring(0, 20_000) + "\n… (" + s.length() + " chars)";
    }

    /** Kills a process and everything it started, children first, waiting a bounded time for each. */
    static void killTree(ProcessHandle root) {
        root.descendants().forEach(InspectorCli::kill);
        kill(root);
    }

    private static void kill(ProcessHandle p) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            p.onExit().get(5, TimeUnit.SECONDS);
        } catch (Exception stillThere) {
            p.destroyForcibly();
        }
    }

    /** Kills whatever an Inspector run left running (normally nothing: each run waits for its end). */
    @Override
    public void close() {
        synchronized (started) {
            started.forEach(p -> killTree(p.toHandle()));
            started.clear();
        }
    }
}
