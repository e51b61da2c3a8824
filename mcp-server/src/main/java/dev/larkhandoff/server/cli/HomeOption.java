package dev.larkhandoff.server.cli;

import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code --home} option every command shares; without it, {@code LARK_HANDOFF_HOME} or {@code ~/.lark-handoff}. */
final class HomeOption {

    @Option(names = "--home", description = "State directory (default: $LARK_HANDOFF_HOME or ~/.lark-handoff).")
    Path home;

    /** The command this option is part of; its root is the {@link Main} that holds the environment. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** The environment with {@code --home} applied on top. */
    Environment environment() {
        Environment base =
                command != null && command.root().userObject() instanceof Main main ? main.environment() : Main.ENV;
        if (home == null) {
            return base;
        }
        return base.with(Environment.HOME, home.toAbsolutePath().toString());
    }

    LarkHandoffConfig config() {
        return LarkHandoffConfig.load(environment());
    }
}
