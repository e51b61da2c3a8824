package dev.larkhandoff.server.world;

import dev.larkhandoff.server.cli.Main;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that runs {@code lark-handoff} as a real child process from the test's classpath. */
public final class ChildJvm {

    private ChildJvm() {}

    public static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Xshare:auto");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }
}
