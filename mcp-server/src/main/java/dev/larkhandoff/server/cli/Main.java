package dev.larkhandoff.server.cli;

import dev.larkhandoff.server.config.Environment;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lark-handoff} command: one entry point for the daemon, the stdio proxy and the operator's commands. */
@Command(
        name = "lark-handoff",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Hand coding-agent conversations to Lark / Feishu and share one Lark channel between sessions.",
        subcommands = {
            DaemonCommand.class,
            StdioCommand.class,
            StatusCommand.class,
            DemoCommand.class,
            VersionCommand.class,
            AccessCommand.class,
            HookCommand.class,
            InitCommand.class,
            DoctorCommand.class,
            TokenCommand.class
        })
public final class Main {

    /** The process environment, read once here and handed to the commands. */
    static final Environment ENV = Environment.system();

    public static void main(String[] args) {
        // Every command has finished its work when execute returns (the daemon command blocks until shutdown);
        // exiting also ends non-daemon threads a library may have left behind.
        System.exit(new CommandLine(new Main()).execute(args));
    }

    /** Prints the build's version for {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"lark-handoff " + BuildInfo.version()};
        }
    }
}
