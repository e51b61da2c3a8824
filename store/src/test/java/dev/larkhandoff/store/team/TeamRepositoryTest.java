package dev.larkhandoff.store.team;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.StoreBackend;
import dev.larkhandoff.store.StoreBackends;
import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.store.session.Role;
import dev.larkhandoff.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

@StoreBackends
class TeamRepositoryTest {

    private static final Duration LEASE = Duration.ofSeconds(10);

    @Parameter(0)
    StoreBackend backend;

    @TempDir
    Path home;

    private final TestClock clock = new TestClock();

    private DaemonRecord beat(Store store, String id, String machine) {
        return store.team().heartbeat(id, machine, "/home/" + machine, 42, "1.0", 0, LEASE, "connected");
    }

    @Test
    void given_two_daemons_renewing_then_both_are_alive_and_one_that_stops_renewing_drops_out_when_its_lease_ends() {
        try (Store store = backend.open(home, clock)) {
            beat(store, "d-laptop", "laptop");
            beat(store, "d-devbox", "devbox");
            assertThat(store.team().alive())
                    .extracting(DaemonRecord::machine)
                    .containsExactlyInAnyOrder("laptop", "devbox");

            clock.advance(Duration.ofSeconds(6));
            beat(store, "d-devbox", "devbox");
            clock.advance(Duration.ofSeconds(6));

            assertThat(store.team().alive()).extracting(DaemonRecord::daemonId).containsExactly("d-devbox");
            assertThat(store.team().all())
                    .as("doctor still lists the one that went quiet, with its last heartbeat")
                    .extracting(DaemonRecord::daemonId)
                    .containsExactly("d-devbox", "d-laptop");
        }
    }

    @Test
    void given_a_daemon_that_leaves_then_its_lease_ends_now_and_only_its_own_sessions_are_disconnected() {
        try (Store store = backend.open(home, clock)) {
            beat(store, "d-laptop", "laptop");
            beat(store, "d-devbox", "devbox");
            store.sessions().register("on-laptop", Role.DISPATCHER, null, DeliveryMode.PUSH, 1L, "1.0", "d-laptop");
            store.sessions().register("on-devbox", Role.SESSION, null, DeliveryMode.PUSH, 2L, "1.0", "d-devbox");

            store.team().leave("d-laptop");

            assertThat(store.team().alive()).extracting(DaemonRecord::daemonId).containsExactly("d-devbox");
            assertThat(store.sessions().connectedTo(List.of("d-laptop", "d-devbox")))
                    .extracting(r -> r.sessionId() + "@" + r.daemonId())
                    .containsExactly("on-devbox@d-devbox");
        }
    }

    @Test
    void given_a_session_that_moved_to_another_daemon_then_the_old_daemons_disconnect_does_not_take_it_offline() {
        try (Store store = backend.open(home, clock)) {
            store.sessions().register("s1", Role.SESSION, null, DeliveryMode.PUSH, 1L, "1.0", "d-laptop");
            store.sessions().register("s1", Role.SESSION, null, DeliveryMode.PUSH, 1L, "1.0", "d-devbox");

            assertThat(store.sessions().markDisconnected("s1", "d-laptop")).isFalse();
            assertThat(store.sessions().find("s1").orElseThrow().connected()).isTrue();
            assertThat(store.sessions().markDisconnected("s1", "d-devbox")).isTrue();
        }
    }

    @Test
    void given_a_daemon_gone_for_a_week_then_it_is_forgotten() {
        try (Store store = backend.open(home, clock)) {
            beat(store, "d-old", "old");
            clock.advance(TeamRepository.FORGOTTEN_AFTER.plus(LEASE).plusSeconds(1));
            beat(store, "d-new", "new");

            assertThat(store.team().all()).extracting(DaemonRecord::daemonId).containsExactly("d-new");
        }
    }
}
