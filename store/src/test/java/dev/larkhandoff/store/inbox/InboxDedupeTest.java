package dev.larkhandoff.store.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.StoreBackend;
import dev.larkhandoff.store.StoreBackends;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

@StoreBackends
class InboxDedupeTest {

    @Parameter(0)
    StoreBackend backend;

    @TempDir
    Path home;

    private static InboxEvent event(String id) {
        return InboxEvent.of(id, "im.message.receive_v1", "{\"id\":\"" + id + "\"}");
    }

    @Test
    void
            given_other_inserts_on_the_same_connection_when_an_event_is_redelivered_then_it_is_a_duplicate_with_its_own_seq() {
        try (Store store = backend.open(home, Clock.systemUTC())) {
            InsertResult first = store.inbox().insertIfAbsent(event("e1"));
            InsertResult other = store.inbox().insertIfAbsent(event("e2"));

            InsertResult again = store.inbox().insertIfAbsent(event("e1"));

            assertThat(first.inserted()).isTrue();
            assertThat(other.inserted()).isTrue();
            assertThat(again).isEqualTo(new InsertResult("event:e1", first.seq(), false));
            assertThat(store.inbox().count()).isEqualTo(2);
        }
    }

    @Test
    void given_a_batch_mixing_a_redelivery_and_a_new_event_when_inserted_then_only_the_new_one_is_reported_inserted() {
        try (Store store = backend.open(home, Clock.systemUTC())) {
            InsertResult first = store.inbox().insertIfAbsent(event("e1"));
            store.inbox().insertIfAbsent(event("e2"));

            List<InsertResult> results =
                    store.inbox().insertAllIfAbsent(List.of(event("e1"), event("e3"), event("e3")));

            assertThat(results.get(0)).isEqualTo(new InsertResult("event:e1", first.seq(), false));
            assertThat(results.get(1).inserted()).isTrue();
            assertThat(results.get(1).seq()).isGreaterThan(first.seq());
            assertThat(results.get(2))
                    .isEqualTo(new InsertResult("event:e3", results.get(1).seq(), false));
            assertThat(store.inbox().find("event:e3"))
                    .map(InboxRow::seq)
                    .contains(results.get(1).seq());
            assertThat(store.inbox().count()).isEqualTo(3);
        }
    }
}
