package dev.larkhandoff.server.cli;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.config.StoreSettings;
import dev.larkhandoff.server.doctor.Doctor;
import dev.larkhandoff.server.doctor.Finding;
import dev.larkhandoff.server.workspace.MachineName;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;

/** {@code lark-handoff doctor}: what is wrong, most serious first, with the fix for each; exit 1 on any error. */
@Command(
        name = "doctor",
        description = "Check the setup, the daemon, Lark and the plugin (in team mode also the shared store, the"
                + " clock against it and the team's daemons); say what to fix.")
final class DoctorCommand implements Callable<Integer> {

    @Mixin
    HomeOption home;

    @Option(names = "--json", description = "Print the findings as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Environment env = home.environment();
        Path dir = LarkHandoffConfig.homeOf(env);
        PrintWriter out = spec.commandLine().getOut();
        List<Finding> findings = new Doctor(dir, BuildInfo.version(), Clock.systemUTC(), DoctorCommand::claudePlugins)
                .withStore(h -> StoreSettings.load(env, h), MachineName.of(env))
                .examine(h -> home.config());
        if (json) {
            ArrayNode list = ServerJson.mapper().createArrayNode();
            findings.forEach(f -> list.addObject()
                    .put("check", f.check())
                    .put("level", f.level().wire())
                    .put("message", f.message())
                    .put("fix", f.fix()));
            out.println(list.toPrettyString());
        } else {
            for (Finding f : findings) {
                String mark = switch (f.level()) {
                    case ERROR -> "✘";
                    case WARNING -> "!";
                    case OK -> "✔";
                };
                out.println(mark + " " + f.check() + ": " + f.message());
                if (!f.fix().isEmpty()) {
                    out.println("    fix: " + f.fix());
                }
            }
        }
        return findings.stream().anyMatch(f -> f.level() == Finding.Level.ERROR) ? 1 : 0;
    }

    /** {@code claude plugin list}, when Claude Code's CLI is on the PATH. */
    private static Optional<List<String>> claudePlugins() {
        Optional<Path> claude = Executables.onPath("claude");
        if (claude.isEmpty()) {
            return Optional.empty();
        }
        try {
            Path out = Files.createTempFile("lark-handoff-doctor", ".out");
            try {
                Process p = new ProcessBuilder(claude.get().toString(), "plugin", "list")
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile())
                        .start();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return Optional.empty();
                }
                return Optional.of(Files.readAllLines(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
