package dev.larkhandoff.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.store.inbox.InboxEvent;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseTransactionTest {

    @TempDir
    Path home;

    @Test
    void given_a_transaction_whose_commit_fails_when_the_next_write_runs_then_it_starts_a_fresh_transaction() {
        try (Store store = Store.open(home, Clock.systemUTC())) {
            // A deferred foreign key is checked by COMMIT itself; SQLite then keeps the transaction open.
            assertThatThrownBy(() -> store.database().write(ctx -> {
                        ctx.execute("PRAGMA defer_foreign_keys = ON");
                        return ctx.execute("INSERT INTO handoff_bindings (chat_id, session_id, activated_at)"
                                + " VALUES ('oc_chat', 'no-such-session', 0)");
                    }))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("FOREIGN KEY");

            assertThat(store.inbox()
                            .insertIfAbsent(InboxEvent.of("e1", "im.message.receive_v1", "{}"))
                            .inserted())
                    .isTrue();
            Object bindings = store.database().read(ctx -> ctx.fetchValue("SELECT count(*) FROM handoff_bindings"));
            assertThat(bindings).isEqualTo(0);
        }
        try (Store store = Store.open(home, Clock.systemUTC())) {
            assertThat(store.inbox().count())
                    .as("the write after the failed commit was committed")
                    .isEqualTo(1);
        }
    }
}
