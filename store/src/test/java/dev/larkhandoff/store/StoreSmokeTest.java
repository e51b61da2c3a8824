package dev.larkhandoff.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.store.inbox.InboxEvent;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

@StoreBackends
class StoreSmokeTest {

    @Parameter(0)
    StoreBackend backend;

    @TempDir
    Path home;

    @Test
    void given_an_empty_store_when_opened_then_it_is_migrated_and_usable_after_reopen() {
        try (Store store = backend.open(home, Clock.systemUTC())) {
            assertThat(store.schemaVersion()).isEqualTo(2);
            assertThat(store.inbox()
                            .insertIfAbsent(InboxEvent.of("e1", "im.message.receive_v1", "{}"))
                            .inserted())
                    .isTrue();
        }
        try (Store store = backend.open(home, Clock.systemUTC())) {
            assertThat(store.schemaVersion()).isEqualTo(2);
            assertThat(store.inbox().count()).isEqualTo(1);
            assertThat(store.inbox()
                            .insertIfAbsent(InboxEvent.of("e1", "im.message.receive_v1", "{}"))
                            .inserted())
                    .isFalse();
        }
    }
}
