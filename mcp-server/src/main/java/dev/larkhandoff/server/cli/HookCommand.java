package dev.larkhandoff.server.cli;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.ipc.DaemonClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * {@code lark-handoff hook <Event>}: a Claude Code {@code command} hook. Reads the hook's JSON on stdin, asks the
 * running daemon, and prints its answer as Claude Code expects it on stdout; prints nothing (Claude Code carries on
 * as usual) when no daemon runs or no handoff is active. It never starts a daemon and always exits 0: a hook must not
 * break the session it serves. The plugin's cheap path is {@code bin/lark-handoff-hook} over HTTP; this is the
 * fallback for machines without curl or with the HTTP front off.
 */
@Command(name = "hook", description = "Answer a Claude Code hook (JSON on stdin) through the running daemon.")
final class HookCommand implements Callable<Integer> {

    @Mixin
    HomeOption home;

    @Parameters(index = "0", description = "The hook event: PreToolUse, PermissionRequest, PostToolUse, ...")
    String event;

    @Override
    public Integer call() {
        JsonNode input;
        try {
            input = ServerJson.mapper().readTree(new String(System.in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException | JacksonException e) {
            System.err.println("lark-handoff hook: stdin is not the hook's JSON: " + e.getMessage());
            return 0;
        }
        Path dir = home.config().home();
        try (DaemonClient client = DaemonClient.probe(dir, Duration.ofSeconds(3))) {
            JsonNode out = client.hook(
                            event,
                            input,
                            Main.ENV.get(Environment.SESSION_ID).orElse(null),
                            Main.ENV.get(Environment.CLAUDE_PROJECT_DIR).orElse(null))
                    .get();
            if (out != null && out.isObject()) {
                System.out.println(out);
            }
        } catch (IOException e) {
            // No daemon: no handoff can be active, so there is nothing to say.
        } catch (ExecutionException e) {
            System.err.println("lark-handoff hook: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
