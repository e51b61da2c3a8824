package dev.larkhandoff.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.ws.EventAck;
import dev.larkhandoff.server.ImmutableFiles;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.world.AgentSession;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.testing.Eventually;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * A store that refuses writes while messages flow: the database made immutable ({@code chattr +i}) under a running
 * daemon, then writable again. Real daemon, real SQLite file, the emulator as Lark.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class UnwritableStoreScenarioTest {

    @RegisterExtension
    final TestWorld world = Scenarios.world();

    private ImmutableFiles immutable;

    @BeforeEach
    void world() throws Exception {
        ImmutableFiles.assumeSupported(world.home());
        world.lark().gateway().redeliveryDelay(Duration.ofMillis(500));
    }

    @AfterEach
    void down() {
        if (immutable != null) {
            immutable.release();
        }
    }

    @Test
    void
            given_an_immutable_database_when_alice_writes_then_nothing_is_acknowledged_the_daemon_stays_and_says_why_and_after_the_disk_recovers_every_message_arrives_once()
                    throws Exception {
        AgentSession owner = world.dispatcher("dispatcher-1");
        world.operatorSays("before");
        assertThat(owner.nextEvent(Duration.ofSeconds(30)))
                .extracting(e -> e.get("content"))
                .isEqualTo("before");
        long daemonPid = status(owner).path("daemon").path("pid").asLong();
        int acksBefore = world.lark().gateway().acks().size();

        immutable =
                ImmutableFiles.lock(world.home(), Store.FILE_NAME, Store.FILE_NAME + "-wal", Store.FILE_NAME + "-shm");
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sent.add("while unwritable " + i);
            world.operatorSays(sent.get(i));
        }
        Eventually.await(
                () -> !status(owner)
                        .path("daemon")
                        .path("store")
                        .path("writable")
                        .asBoolean(true),
                "the status to say the store is unwritable",
                Duration.ofSeconds(30));
        Thread.sleep(2_000);

        JsonNode store = status(owner).path("daemon").path("store");
        assertThat(store.path("unwritable_since").asString("")).isNotBlank();
        assertThat(store.path("problem").asString("")).isNotBlank();
        assertThat(ProcessHandle.of(daemonPid).map(ProcessHandle::isAlive))
                .as("the daemon is still up")
                .contains(true);
        assertThat(world.lark().gateway().acks().size())
                .as("nothing acknowledged while unwritable")
                .isEqualTo(acksBefore);
        assertThat(world.lark().gateway().unacknowledged()).isEqualTo(5);
        assertThat(owner.drainEvents()).isEmpty();
        assertThat(world.daemons()).extracting(ProcessHandle::pid).containsExactly(daemonPid);
        assertThat(homeFiles()).as("no JVM crash report").noneMatch(n -> n.startsWith("hs_err"));

        immutable.release();
        immutable = null;
        List<String> received = new ArrayList<>();
        while (received.size() < sent.size()) {
            Map<String, Object> event = owner.nextEvent(Duration.ofSeconds(60));
            if (event == null) {
                break;
            }
            received.add(String.valueOf(event.get("content")));
        }

        assertThat(received).as("every message exactly once").containsExactlyInAnyOrderElementsOf(sent);
        assertThat(owner.nextEvent(Duration.ofSeconds(2))).isNull();
        Eventually.await(
                () -> status(owner)
                        .path("daemon")
                        .path("store")
                        .path("writable")
                        .asBoolean(false),
                "the status to say the store is writable again",
                Duration.ofSeconds(30));
        List<EventAck> acks = world.lark().gateway().acks();
        assertThat(acks.subList(acksBefore, acks.size()))
                .as("redelivered by Lark, then acknowledged")
                .hasSize(5)
                .allMatch(a -> a.ok() && a.attempts() > 1);
        assertThat(status(owner).path("daemon").path("pid").asLong()).isEqualTo(daemonPid);
    }

    private List<String> homeFiles() throws java.io.IOException {
        try (var files = Files.list(world.home())) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static JsonNode status(AgentSession s) {
        return ServerJson.mapper()
                .readTree(s.call(OwnershipTools.STATUS, Map.of()).text());
    }
}
