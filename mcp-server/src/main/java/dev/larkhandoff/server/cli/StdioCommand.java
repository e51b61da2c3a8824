package dev.larkhandoff.server.cli;

import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.SessionIdentity;
import dev.larkhandoff.server.proxy.StdioRelay;
import dev.larkhandoff.store.session.DeliveryMode;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code lark-handoff stdio}: the MCP stdio server an agent launches (what {@code .mcp.json} runs). */
@Command(name = "stdio", description = "Serve MCP on stdin/stdout for one agent session, through the daemon.")
final class StdioCommand implements Callable<Integer> {

    @Mixin
    HomeOption home;

    @Override
    public Integer call() throws Exception {
        // Stdout belongs to JSON-RPC alone: keep the real one for the proxy and send any stray print to stderr.
        FileOutputStream stdout = new FileOutputStream(FileDescriptor.out);
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        Environment env = home.environment();
        SessionIdentity identity = SessionIdentity.from(env, DeliveryMode.PUSH);
        StdioRelay.run(System.in, stdout, home.config().home(), identity, BuildInfo.version(), Duration.ofSeconds(30));
        return 0;
    }
}
