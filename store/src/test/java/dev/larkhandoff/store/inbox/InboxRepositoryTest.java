package dev.larkhandoff.store.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.store.OpenStoreTest;
import dev.larkhandoff.store.StoreBackends;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@StoreBackends
class InboxRepositoryTest extends OpenStoreTest {

    private InboxRepository inbox;

    @BeforeEach
    void open() {
        inbox = store.inbox();
    }

    private static InboxEvent message(String eventId, String chat, String text) {
        return InboxEvent.of(eventId, "im.message.receive_v1", "{\"text\":\"" + text + "\"}")
                .withMessage("om_" + eventId, chat, "group", "ou_alice", "user", "text", text, 1_700_000_000_000L);
    }

    @Test
    void given_an_event_when_lark_delivers_it_again_then_the_second_insert_is_a_duplicate_of_the_same_row() {
        InsertResult first = inbox.insertIfAbsent(message("e1", "oc_a", "hi"));
        InsertResult again = inbox.insertIfAbsent(message("e1", "oc_a", "hi (redelivered)"));

        assertThat(first.inserted()).isTrue();
        assertThat(again.inserted()).isFalse();
        assertThat(again.seq()).isEqualTo(first.seq());
        assertThat(inbox.count()).isEqualTo(1);
        assertThat(inbox.find("event:e1"))
                .hasValueSatisfying(r -> assertThat(r.event().normalizedText()).isEqualTo("hi"));
    }

    @Test
    void given_the_dedupe_rules_then_event_id_wins_then_message_id_then_a_digest_of_chat_time_and_payload() {
        assertThat(InboxEvent.dedupeKey("e", "m", "c", 1L, "p")).isEqualTo("event:e");
        assertThat(InboxEvent.dedupeKey(null, "m", "c", 1L, "p")).isEqualTo("message:m");
        assertThat(InboxEvent.dedupeKey("", " ", "c", 1L, "p")).startsWith("digest:");
        assertThat(InboxEvent.dedupeKey(null, null, "c", 1L, "p"))
                .isEqualTo(InboxEvent.dedupeKey(null, null, "c", 1L, "p"))
                .isNotEqualTo(InboxEvent.dedupeKey(null, null, "c", 2L, "p"))
                .isNotEqualTo(InboxEvent.dedupeKey(null, null, "d", 1L, "p"));
    }

    @Test
    void given_a_batch_with_a_repeat_inside_then_each_key_is_stored_once_in_arrival_order() {
        List<InsertResult> results = inbox.insertAllIfAbsent(List.of(
                message("a", "oc_1", "1"),
                message("b", "oc_1", "2"),
                message("a", "oc_1", "1 again"),
                message("c", "oc_1", "3")));

        assertThat(results).extracting(InsertResult::inserted).containsExactly(true, true, false, true);
        assertThat(inbox.pending()).extracting(InboxRow::dedupeKey).containsExactly("event:a", "event:b", "event:c");
    }

    @Test
    void given_a_batch_larger_than_one_statement_with_some_keys_already_stored_then_only_the_new_ones_go_in_in_order() {
        inbox.insertIfAbsent(message("k-3", "oc_1", "old"));
        inbox.insertIfAbsent(message("k-1100", "oc_1", "old"));
        List<InboxEvent> batch = new java.util.ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            batch.add(message("k-" + i, "oc_1", "m" + i));
        }

        List<InsertResult> results = inbox.insertAllIfAbsent(batch);

        assertThat(results).hasSize(1200);
        assertThat(results)
                .filteredOn(r -> !r.inserted())
                .extracting(InsertResult::dedupeKey)
                .containsExactly("event:k-3", "event:k-1100");
        assertThat(inbox.count()).as("two already there, 1,198 new").isEqualTo(1200);
        List<Long> newSeqs = results.stream()
                .filter(InsertResult::inserted)
                .map(InsertResult::seq)
                .toList();
        assertThat(newSeqs).isSorted().doesNotHaveDuplicates();
        assertThat(inbox.find("event:k-3"))
                .hasValueSatisfying(r -> assertThat(r.event().normalizedText()).isEqualTo("old"));
    }

    @Test
    void given_pending_events_for_two_sessions_then_each_sees_only_its_own_in_order() {
        inbox.insertIfAbsent(message("1", "oc_a", "x").withTarget("s1"));
        inbox.insertIfAbsent(message("2", "oc_a", "y").withTarget("s2"));
        inbox.insertIfAbsent(message("3", "oc_a", "z"));
        inbox.assignTarget("event:3", "s1");

        assertThat(inbox.pendingFor("s1")).extracting(InboxRow::dedupeKey).containsExactly("event:1", "event:3");
        assertThat(inbox.pendingFor("s2")).extracting(InboxRow::dedupeKey).containsExactly("event:2");
    }

    @Test
    void given_a_delivered_event_when_the_ack_is_replayed_then_nothing_changes() {
        inbox.insertIfAbsent(message("1", "oc_a", "x"));
        clock.advance(Duration.ofSeconds(5));

        boolean first = inbox.markDelivered("event:1", "s1");
        clock.advance(Duration.ofSeconds(5));
        boolean replay = inbox.markDelivered("event:1", "s2");

        assertThat(first).isTrue();
        assertThat(replay).isFalse();
        InboxRow row = inbox.find("event:1").orElseThrow();
        assertThat(row.state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(row.deliveredToSession()).isEqualTo("s1");
        assertThat(row.deliveredAt()).isEqualTo(row.receivedAt() + 5_000);
        assertThat(inbox.pending()).isEmpty();
        assertThat(inbox.assignTarget("event:1", "s9"))
                .as("delivered rows keep their target")
                .isFalse();
    }

    @Test
    void given_a_filtered_event_then_it_is_never_delivered_but_stays_in_history_with_its_reason() {
        inbox.insertIfAbsent(message("1", "oc_a", "from a stranger"));

        assertThat(inbox.markFiltered("event:1", "sender is not allowed")).isTrue();
        assertThat(inbox.markDelivered("event:1", "s1")).isFalse();
        assertThat(inbox.history("oc_a", 10)).singleElement().satisfies(r -> {
            assertThat(r.state()).isEqualTo(DeliveryState.FILTERED);
            assertThat(r.filterReason()).isEqualTo("sender is not allowed");
        });
    }

    @Test
    void given_history_of_two_chats_then_a_chat_gets_its_newest_events_oldest_first() {
        for (int i = 0; i < 5; i++) {
            inbox.insertIfAbsent(message("a" + i, "oc_a", "a" + i));
            inbox.insertIfAbsent(message("b" + i, "oc_b", "b" + i));
        }

        assertThat(inbox.history("oc_a", 3))
                .extracting(r -> r.event().normalizedText())
                .containsExactly("a2", "a3", "a4");
        assertThatThrownBy(() -> inbox.history("oc_a", 0)).hasMessageContaining("limit");
    }

    @Test
    void given_old_and_new_events_when_pruned_then_only_old_delivered_or_filtered_rows_go() {
        inbox.insertIfAbsent(message("old-delivered", "oc", "1"));
        inbox.insertIfAbsent(message("old-filtered", "oc", "2"));
        inbox.insertIfAbsent(message("old-pending", "oc", "3"));
        inbox.markDelivered("event:old-delivered", "s");
        inbox.markFiltered("event:old-filtered", "stranger");
        clock.advance(Duration.ofDays(30));
        inbox.insertIfAbsent(message("new-delivered", "oc", "4"));
        inbox.markDelivered("event:new-delivered", "s");

        int pruned = inbox.prune(clock.instant().minus(Duration.ofDays(7)));

        assertThat(pruned).isEqualTo(2);
        assertThat(inbox.history("oc", 10))
                .extracting(InboxRow::dedupeKey)
                .containsExactly("event:old-pending", "event:new-delivered");
    }

    @Test
    void given_events_filtered_for_several_reasons_when_one_reason_passes_then_only_those_are_pending_again_in_order() {
        for (String id : List.of("e1", "e2", "e3", "e4")) {
            inbox.insertIfAbsent(message(id, "oc_a", id));
        }
        inbox.markFiltered("event:e1", "access.json is invalid: bad");
        inbox.markFiltered("event:e2", "sender not on allowlist");
        inbox.markFiltered("event:e3", "access.json is invalid: worse");
        inbox.markDelivered("event:e4", "session:s");

        int back = inbox.repend("access.json is invalid: ");

        assertThat(back).isEqualTo(2);
        assertThat(inbox.pending()).extracting(InboxRow::dedupeKey).containsExactly("event:e1", "event:e3");
        assertThat(inbox.find("event:e1").orElseThrow().filterReason()).isNull();
        assertThat(inbox.find("event:e2").orElseThrow().state()).isEqualTo(DeliveryState.FILTERED);
        assertThat(inbox.repend("access.json is invalid: "))
                .as("nothing left to put back")
                .isZero();
        assertThatThrownBy(() -> inbox.repend("")).isInstanceOf(IllegalArgumentException.class);
    }
}
