package dev.larkhandoff.store.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.StoreBackend;
import dev.larkhandoff.store.StoreBackends;
import dev.larkhandoff.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

@StoreBackends
class SessionRepositoryTest {

    @Parameter(0)
    StoreBackend backend;

    @TempDir
    Path home;

    private final TestClock clock = new TestClock();

    @Test
    void given_a_session_that_comes_back_then_first_seen_is_kept_and_the_rest_updated() {
        try (Store store = backend.open(home, clock)) {
            SessionRecord first = store.sessions()
                    .register("s1", Role.SESSION, "{\"teammate_name\":\"api\"}", DeliveryMode.PUSH, 100L, "0.1");
            store.sessions().markDisconnected("s1");
            clock.advance(Duration.ofMinutes(5));

            SessionRecord back = store.sessions().register("s1", Role.DISPATCHER, "{}", DeliveryMode.PULL, 200L, "0.2");

            assertThat(back.firstSeenAt()).isEqualTo(first.firstSeenAt());
            assertThat(back.lastSeenAt()).isEqualTo(first.firstSeenAt() + 300_000);
            assertThat(back.role()).isEqualTo(Role.DISPATCHER);
            assertThat(back.pid()).isEqualTo(200L);
            assertThat(back.connected()).isTrue();
        }
    }

    @Test
    void given_a_daemon_restart_then_every_session_starts_disconnected() {
        try (Store store = backend.open(home, clock)) {
            store.sessions().register("s1", Role.SESSION, null, DeliveryMode.PUSH, null, null);
            store.sessions().register("s2", Role.SESSION, null, DeliveryMode.PULL, null, null);
            assertThat(store.sessions().markDisconnected("s2")).isTrue();
            assertThat(store.sessions().markDisconnected("s2")).isFalse();
        }
        try (Store store = backend.open(home, clock)) {
            assertThat(store.sessions().markAllDisconnected()).isEqualTo(1);
            assertThat(store.sessions().connected()).isEmpty();
            assertThat(store.sessions().all())
                    .extracting(SessionRecord::sessionId)
                    .containsExactly("s1", "s2");
            assertThat(store.sessions().find("s1"))
                    .hasValueSatisfying(s -> assertThat(s.metadataJson()).isEqualTo("{}"));
        }
    }
}
