package dev.larkhandoff.server.cli;

import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --home} option every command shares; without it, {@code LARK_HANDOFF_HOME} or {@code ~/.lark-handoff}. */
final class HomeOption {

    @Option(names = "--home", description = "State directory (default: $LARK_HANDOFF_HOME or ~/.lark-handoff).")
    Path home;

    /** The environment with {@code --home} applied on top. */
    Environment environment() {
        if (home == null) {
            return Main.ENV;
        }
        return Main.ENV.with(Environment.HOME, home.toAbsolutePath().toString());
    }

    LarkHandoffConfig config() {
        return LarkHandoffConfig.load(environment());
    }
}
