package dev.larkhandoff.server.cli;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.ipc.DaemonClient;
import dev.larkhandoff.server.tool.ToolResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import tools.jackson.databind.JsonNode;

/** {@code lark-handoff status}: the channel's owner, sessions and daemon, as {@code feishu_channel_status} shows them. */
@Command(name = "status", description = "Show the channel owner, the registered sessions and the daemon.")
final class StatusCommand implements Callable<Integer> {

    @Mixin
    HomeOption home;

    @Override
    public Integer call() throws Exception {
        Path dir = home.config().home();
        try (DaemonClient client = DaemonClient.probe(dir, Duration.ofSeconds(5))) {
            ToolResult r = client.callTool(OwnershipTools.STATUS, Map.of()).get(10, TimeUnit.SECONDS);
            System.out.println(r.text());
            if (!r.isError()) {
                warnIfUnwritable(r.text());
            }
            return r.isError() ? 1 : 0;
        } catch (IOException e) {
            System.err.println("no lark-handoff daemon is running for " + dir + " (" + e.getMessage() + ")");
            return 1;
        }
    }

    /** The JSON says it too, but a store refusing writes holds every Lark event back: say it in words. */
    private static void warnIfUnwritable(String statusJson) {
        JsonNode store;
        try {
            store = ServerJson.mapper().readTree(statusJson).path("daemon").path("store");
        } catch (RuntimeException e) {
            return;
        }
        if (!store.path("writable").asBoolean(true)) {
            System.err.println("the store " + store.path("file").asString("") + " is unwritable since "
                    + store.path("unwritable_since").asString("?") + ": "
                    + store.path("problem").asString("")
                    + ". Lark events wait unacknowledged (Lark pushes them again) until it takes writes again.");
        }
    }
}
