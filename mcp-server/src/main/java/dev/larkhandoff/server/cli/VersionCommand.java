package dev.larkhandoff.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code lark-handoff version}. */
@Command(name = "version", description = "Print the version.")
final class VersionCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("lark-handoff " + BuildInfo.version());
        return 0;
    }
}
