package dev.larkhandoff.server.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.config.StoreSettings;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.StoreLocation;
import dev.larkhandoff.store.TestPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The doctor in team mode, with no daemon running on this machine: the shared store read from a real PostgreSQL
 * server (reachable or not), its schema, this machine's clock against the server's, and the team's daemons as their
 * rows in the store say.
 */
@ExtendWith(TestPostgres.class)
class DoctorTeamTest {

    private static final Optional<List<String>> PLUGIN_INSTALLED = Optional.of(List.of("  ❯ lark-handoff@local"));

    /** Long enough that a clock set half a minute ahead still sees the daemons alive. */
    private static final Duration LEASE = Duration.ofMinutes(10);

    @TempDir
    Path home;

    private final Clock clock = Clock.systemUTC();

    @Test
    void given_a_team_store_with_two_daemons_then_the_store_the_clock_and_each_daemon_are_reported() {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        try (Store store = Store.open(db, clock)) {
            store.team().heartbeat("d-laptop", "laptop", "/home/a/.lark-handoff", 101, "1.0.0", 1, LEASE, "connected");
            store.team().heartbeat("d-devbox", "devbox", "/home/a/.lark-handoff", 202, "1.0.0", 1, LEASE, "down");
            store.team().heartbeat("d-old", "ci", "/home/ci/.lark-handoff", 303, "0.9.0", 1, LEASE, "connected");
            store.team().leave("d-old");
        }

        List<Finding> findings = examine(db, clock);

        assertThat(find(findings, "shared_store").level()).isEqualTo(Finding.Level.OK);
        assertThat(find(findings, "shared_store").message()).contains(db.toString(), "PostgreSQL");
        assertThat(find(findings, "store_schema").level()).isEqualTo(Finding.Level.OK);
        assertThat(find(findings, "clock").level()).isEqualTo(Finding.Level.OK);
        assertThat(find(findings, "team").message()).contains("2 daemon(s) alive", "laptop", "devbox", "stopped: ci");
        assertThat(findings)
                .filteredOn(f -> f.check().equals("team_daemon"))
                .extracting(Finding::level, Finding::message)
                .anySatisfy(t -> assertThat(t.toList().get(1).toString())
                        .contains("laptop (this machine): pid 101, version 1.0.0", "Lark connection connected"))
                .anySatisfy(t -> {
                    assertThat(t.toList().get(0)).isEqualTo(Finding.Level.WARNING);
                    assertThat(t.toList().get(1).toString()).contains("devbox: pid 202", "Lark connection down");
                });
        assertThat(find(findings, "pending").level())
                .as("counted in the shared store, as no daemon runs here")
                .isEqualTo(Finding.Level.OK);
    }

    @Test
    void given_a_clock_half_a_minute_ahead_of_the_server_then_it_warns_that_leases_go_wrong() {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        Store.open(db, clock).close();

        Finding skew = find(examine(db, Clock.offset(clock, Duration.ofSeconds(30))), "clock");

        assertThat(skew.level()).isEqualTo(Finding.Level.WARNING);
        assertThat(skew.message()).contains("ahead of the database server's", "leases");
        assertThat(skew.fix()).contains("NTP");
    }

    @Test
    void given_a_daemon_of_another_version_then_it_is_a_warning() {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        try (Store store = Store.open(db, clock)) {
            store.team().heartbeat("d-1", "devbox", "/h", 1, "0.9.0", 1, LEASE, "connected");
        }

        Finding daemon = find(examine(db, clock), "team_daemon");

        assertThat(daemon.level()).isEqualTo(Finding.Level.WARNING);
        assertThat(daemon.message()).contains("version 0.9.0", "this program is version 1.0.0");
    }

    @Test
    void given_a_database_without_the_store_yet_then_the_first_daemon_creates_it_and_no_daemon_is_alive() {
        StoreLocation.Postgres db = TestPostgres.newDatabase();

        List<Finding> findings = examine(db, clock);

        assertThat(find(findings, "store_schema").message()).contains("no store there yet");
        assertThat(find(findings, "team").level()).isEqualTo(Finding.Level.WARNING);
        assertThat(findings).noneMatch(f -> f.check().equals("pending"));
    }

    @Test
    void given_an_unreachable_store_then_it_is_an_error_with_the_fix() throws IOException {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        StoreLocation.Postgres nowhere =
                new StoreLocation.Postgres(db.host(), freePort(), db.database(), db.user(), null, Map.of());

        List<Finding> findings = examine(nowhere.toString(), db.password(), clock);

        Finding store = find(findings, "shared_store");
        assertThat(store.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(store.fix()).contains("listen_addresses");
        assertThat(findings.get(0).level()).isEqualTo(Finding.Level.ERROR);
        assertThat(findings).noneMatch(f -> f.check().equals("team"));
    }

    @Test
    void given_the_sqlite_store_then_nothing_about_a_team_is_reported() {
        List<Finding> findings = new Doctor(home, "1.0.0", clock, () -> PLUGIN_INSTALLED)
                .withStore(h -> StoreSettings.local(), "laptop")
                .examine(h -> LarkHandoffConfig.load(Environment.of(Map.of(Environment.HOME, h.toString()))));

        assertThat(findings)
                .extracting(Finding::check)
                .doesNotContain("shared_store", "store_schema", "clock", "team", "team_daemon");
    }

    private List<Finding> examine(StoreLocation.Postgres db, Clock at) {
        return examine(db.toString(), db.password(), at);
    }

    private List<Finding> examine(String url, String password, Clock at) {
        Environment env =
                Environment.of(Map.of(Environment.HOME, home.toString(), Environment.STORE_PASSWORD, password));
        return new Doctor(home, "1.0.0", at, () -> PLUGIN_INSTALLED)
                .withStore(h -> StoreSettings.forUrl(url, env, h), "laptop")
                .examine(h -> LarkHandoffConfig.load(env));
    }

    private static Finding find(List<Finding> findings, String check) {
        return findings.stream()
                .filter(f -> f.check().equals(check))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + check + " finding in " + findings));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
