package dev.larkhandoff.server.cli;

import dev.larkhandoff.server.config.Environment;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** Runs {@code lark-handoff} commands in-process through picocli, with an environment of the test's own. */
final class Cli {

    private Cli() {}

    /** What one run printed and how it ended. */
    record Run(int exit, String out, String err) {

        /** Everything it printed, for what must appear nowhere (a password). */
        String all() {
            return out + err;
        }
    }

    static Run run(Map<String, String> environment, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.commandLine(Environment.of(environment))
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
        return new Run(exit, out.toString(), err.toString());
    }
}
