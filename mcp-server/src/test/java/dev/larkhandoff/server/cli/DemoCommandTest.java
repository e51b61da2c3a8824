package dev.larkhandoff.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.ipc.DaemonClient;
import dev.larkhandoff.server.world.ChildJvm;
import dev.larkhandoff.testing.Eventually;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code lark-handoff demo --team} as a user runs it: a real process, its emulator, PostgreSQL and two daemons. */
class DemoCommandTest {

    private static final Pattern HOME = Pattern.compile(", home (\\S+)$");
    private static final Pattern DEVBOX = Pattern.compile("has its home at (\\S+?);");

    @Test
    void given_demo_team_then_two_machines_daemons_share_one_store_and_each_lists_both() throws Exception {
        Process demo = new ProcessBuilder(ChildJvm.command("demo", "--team", "--emulator-port", "0"))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            List<String> printed = new ArrayList<>();
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8));
            for (String line = out.readLine(); line != null && !line.startsWith("Ctrl-C"); line = out.readLine()) {
                printed.add(line);
            }
            String all = String.join("\n", printed);
            Matcher laptop = HOME.matcher(printed.get(0));
            Matcher devbox = DEVBOX.matcher(all);
            assertThat(laptop.find()).as(all).isTrue();
            assertThat(devbox.find()).as(all).isTrue();
            assertThat(all).contains("postgresql://lark:***@127.0.0.1:");

            for (Path home : List.of(Path.of(laptop.group(1)), Path.of(devbox.group(1)))) {
                Eventually.await(
                        () -> team(home).size() == 2, "the daemon of " + home + " to see both", Duration.ofSeconds(30));
                assertThat(team(home).findValues("machine"))
                        .extracting(JsonNode::asString)
                        .containsExactlyInAnyOrder("laptop", "devbox");
            }
        } finally {
            demo.destroy();
            assertThat(demo.waitFor(30, TimeUnit.SECONDS))
                    .as("the demo stops on SIGTERM")
                    .isTrue();
        }
    }

    private static JsonNode team(Path home) {
        try (DaemonClient client = DaemonClient.probe(home, Duration.ofSeconds(5))) {
            String status = client.callTool(OwnershipTools.STATUS, Map.of())
                    .get(10, TimeUnit.SECONDS)
                    .text();
            return ServerJson.mapper().readTree(status).path("daemon").path("team");
        } catch (Exception e) {
            return ServerJson.mapper().createArrayNode();
        }
    }
}
