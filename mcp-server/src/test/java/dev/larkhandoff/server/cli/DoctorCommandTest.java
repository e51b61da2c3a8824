package dev.larkhandoff.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.StoreLocation;
import dev.larkhandoff.store.TestPostgres;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code lark-handoff doctor --json}, run in-process in team mode: the shared store's findings are in the JSON. */
@ExtendWith(TestPostgres.class)
class DoctorCommandTest {

    @TempDir
    Path home;

    @Test
    void given_team_mode_without_a_local_daemon_then_the_json_has_the_store_the_clock_and_the_team() throws Exception {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        try (Store store = Store.open(db, Clock.systemUTC())) {
            store.team()
                    .heartbeat(
                            "d-1",
                            "devbox",
                            "/home/a/.lark-handoff",
                            7,
                            "1.0.0",
                            1,
                            Duration.ofMinutes(1),
                            "connected");
        }

        Cli.Run run = Cli.run(
                Map.of(
                        Environment.STORE_URL, db.toString(),
                        Environment.STORE_PASSWORD, db.password(),
                        Environment.MACHINE, "laptop"),
                "doctor",
                "--json",
                "--home",
                home.toString());

        assertThat(run.all()).doesNotContain(db.password());
        JsonNode findings = ServerJson.mapper().readTree(run.out());
        List<String> checks = new ArrayList<>();
        findings.forEach(f -> checks.add(f.path("check").asString()));
        assertThat(checks).contains("shared_store", "store_schema", "clock", "team", "team_daemon");
        findings.forEach(f -> {
            if (f.path("check").asString().equals("team_daemon")) {
                assertThat(f.path("message").asString()).contains("devbox: pid 7, version 1.0.0");
                assertThat(f.path("level").asString()).isIn("ok", "warning");
            }
        });
    }
}
