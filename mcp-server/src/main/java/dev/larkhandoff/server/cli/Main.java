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
            TokenCommand.class,
            StoreCommand.class
        })
public final class Main {

    /** The process environment, read once here and handed to the commands. */
    static final Environment ENV = Environment.system();

    private final Environment environment;

    public Main() {
        this(ENV);
    }

    private Main(Environment environment) {
        this.environment = environment;
    }

    public static void main(String[] args) {
        // Every command has finished its work when execute returns (the daemon command blocks until shutdown);
        // exiting also ends non-daemon threads a library may have left behind.
        System.exit(commandLine(ENV).execute(args));
    }

    /**
     * The command line with {@code environment} in place of the process's, for the commands that read it through
     * {@link HomeOption}: how tests run a command in-process.
     */
    static CommandLine commandLine(Environment environment) {
        return new CommandLine(new Main(environment));
    }

    /** The environment the commands of this command line read. */
    Environment environment() {
        return environment;
    }

    /** Prints the build's version for {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"lark-handoff " + BuildInfo.version()};
        }
    }
}
