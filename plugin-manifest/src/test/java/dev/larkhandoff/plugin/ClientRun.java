package dev.larkhandoff.plugin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of a client's own CLI (Claude Code's {@code claude}, the MCP Inspector) as a child process with its own
 * environment, bounded in time, its output kept for the assertion messages.
 */
record ClientRun(List<String> command, int exitCode, String stdout, String stderr) {

    static final Duration BOUND = Duration.ofSeconds(120);

    /** Runs {@code command} in {@code dir} with exactly {@code env} (plus PATH), killing it and its children past the bound. */
    static ClientRun run(Path dir, Map<String, String> env, List<String> command)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "run-", ".out");
        Path err = Files.createTempFile(dir, "run-", ".err");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        isolate(pb, env);
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        return new ClientRun(
                command,
                p.isAlive() ? -1 : p.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** Gives the child exactly {@code env}, plus a PATH that finds this JVM's java first (the launcher needs it). */
    static void isolate(ProcessBuilder pb, Map<String, String> env) {
        Map<String, String> childEnv = pb.environment();
        String path = childEnv.get("PATH");
        String javaHome = System.getProperty("java.home");
        childEnv.clear();
        childEnv.put("PATH", Path.of(javaHome, "bin") + ":" + (path == null ? "/usr/bin:/bin" : path));
        childEnv.put("JAVA_HOME", javaHome);
        childEnv.putAll(env);
    }

    /** Everything about the run, for a failed assertion. */
    String diagnostics() {
        return "\n--- command: " + String.join(" ", command) + "\n--- exit code: " + exitCode + "\n--- stdout:\n"
                + stdout + "\n--- stderr:\n" + stderr + "\n---";
    }
}
