package dev.larkhandoff.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.store.inbox.InboxEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreSmokeTest {

    @TempDir
    Path home;

    @Test
    void given_an_empty_home_when_opened_then_the_file_is_created_private_migrated_and_usable_after_reopen()
            throws Exception {
        try (Store store = Store.open(home, Clock.systemUTC())) {
            assertThat(store.schemaVersion()).isEqualTo(1);
            assertThat(store.inbox()
                            .insertIfAbsent(InboxEvent.of("e1", "im.message.receive_v1", "{}"))
                            .inserted())
                    .isTrue();
        }
        Path db = home.resolve("lark-handoff.db");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db)))
                .isEqualTo("rw-------");
        try (Store store = Store.open(home, Clock.systemUTC())) {
            assertThat(store.inbox().count()).isEqualTo(1);
            assertThat(store.inbox()
                            .insertIfAbsent(InboxEvent.of("e1", "im.message.receive_v1", "{}"))
                            .inserted())
                    .isFalse();
        }
    }
}
