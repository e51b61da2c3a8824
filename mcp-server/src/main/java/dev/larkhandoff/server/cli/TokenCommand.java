package dev.larkhandoff.server.cli;

import dev.larkhandoff.server.daemon.HttpEndpointFile;
import dev.larkhandoff.server.http.HttpToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code lark-handoff token rotate}: replaces the HTTP bearer token when it may have leaked. */
@Command(
        name = "token",
        description = "Manage the bearer token of the daemon's HTTP front (<home>/http.token).",
        subcommands = TokenCommand.Rotate.class)
final class TokenCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        System.err.println("lark-handoff token: say what to do with it: `lark-handoff token rotate`");
        return 2;
    }

    /** Writes a new token and the hook script's curl config; a running daemon refuses the old token at once. */
    @Command(
            name = "rotate",
            description = "Write a new token to <home>/http.token and <home>/hooks.curlrc; the "
                    + "running daemon refuses the old one from now on.")
    static final class Rotate implements Callable<Integer> {

        @Mixin
        HomeOption home;

        @Override
        public Integer call() throws Exception {
            Path dir = home.config().home();
            if (!Files.isDirectory(dir)) {
                System.err.println("lark-handoff token rotate: there is no lark-handoff home at " + dir);
                return 1;
            }
            HttpToken token = HttpToken.rotate(dir);
            HttpEndpointFile.writeCurlConfig(dir, token.value());
            // The token itself is not printed: a terminal's scrollback is no place for it.
            System.out.println("wrote a new token to " + dir.resolve(HttpToken.FILE_NAME) + "; the old one is refused "
                    + "from now on. Clients configured with it (a remote MCP entry's Authorization header) need the "
                    + "new one.");
            return 0;
        }
    }
}
