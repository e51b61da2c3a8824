package dev.larkhandoff.server.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** How to start this program again from outside (for the snippets {@code demo} prints). */
final class Launcher {

    private Launcher() {}

    /** The {@code lark-handoff} script beside the jar if there is one, else {@code java -jar <jar>}; as argv. */
    static List<String> command() {
        List<String> argv = new ArrayList<>();
        try {
            Path jar = Path.of(Launcher.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            Path script = jar.resolveSibling("lark-handoff");
            Path inSourceTree = jar.getParent() == null || jar.getParent().getParent() == null
                    ? script
                    : jar.getParent().getParent().resolveSibling("lark-handoff");
            if (!Files.isExecutable(script) && jar.toString().endsWith("mcp-server/target/lark-handoff.jar")) {
                script = inSourceTree;
            }
            if (Files.isExecutable(script)) {
                argv.add(script.toString());
            } else if (jar.toString().endsWith(".jar")) {
                argv.addAll(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()));
            } else {
                argv.addAll(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Main.class.getName()));
            }
        } catch (Exception e) {
            argv.add("lark-handoff");
        }
        return argv;
    }
}
