package dev.larkhandoff.store;

import static dev.larkhandoff.store.jooq.Tables.CHANNEL_STATE;
import static dev.larkhandoff.store.jooq.Tables.CHAT_CONFIG;
import static dev.larkhandoff.store.jooq.Tables.CHAT_MEMBERS;
import static dev.larkhandoff.store.jooq.Tables.HANDOFF_BINDINGS;
import static dev.larkhandoff.store.jooq.Tables.INBOX;
import static dev.larkhandoff.store.jooq.Tables.OWNERSHIP_LOG;
import static dev.larkhandoff.store.jooq.Tables.PERMISSION_REQUESTS;
import static dev.larkhandoff.store.jooq.Tables.SENT_MESSAGES;
import static dev.larkhandoff.store.jooq.Tables.SESSIONS;
import static dev.larkhandoff.store.jooq.Tables.SETTINGS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.store.channel.ChannelState;
import dev.larkhandoff.store.channel.OwnershipChange;
import dev.larkhandoff.store.chat.ChatConfig;
import dev.larkhandoff.store.chat.FilterLevel;
import dev.larkhandoff.store.chat.MemberRole;
import dev.larkhandoff.store.chat.SentMessage;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.inbox.InboxEvent;
import dev.larkhandoff.store.permission.Decision;
import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.store.session.Role;
import dev.larkhandoff.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.Field;
import org.jooq.SortField;
import org.jooq.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Moving a home that started alone into the team's PostgreSQL database: a real SQLite file, filled through the
 * repositories as a daemon fills it, copied into a real PostgreSQL database, empty or already used by a team.
 */
@ExtendWith(TestPostgres.class)
class StoreCopyTest {

    @TempDir
    Path home;

    private final TestClock homeClock = TestClock.at(Instant.parse("2026-03-01T10:00:00Z"));
    private final TestClock teamClock = TestClock.at(Instant.parse("2026-03-02T10:00:00Z"));

    @Test
    void given_a_populated_home_when_copied_into_an_empty_database_then_every_row_is_there_and_again_nothing_changes() {
        StoreLocation.Postgres team = TestPostgres.newDatabase();
        try (Store sqlite = Store.open(home, homeClock)) {
            populate(sqlite);
            sqlite.probeWrite();
        }
        try (Store from = Store.open(home, homeClock);
                Store to = Store.open(team, teamClock)) {

            StoreCopy.Report first = StoreCopy.copy(from, to);

            assertThat(first.tables())
                    .extracting(StoreCopy.TableCopy::table, StoreCopy.TableCopy::copied)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("sessions", 2),
                            org.assertj.core.groups.Tuple.tuple("channel_state", 1),
                            org.assertj.core.groups.Tuple.tuple("ownership_log", 4),
                            org.assertj.core.groups.Tuple.tuple("inbox", 3),
                            org.assertj.core.groups.Tuple.tuple("handoff_bindings", 1),
                            org.assertj.core.groups.Tuple.tuple("chat_config", 1),
                            org.assertj.core.groups.Tuple.tuple("chat_members", 2),
                            org.assertj.core.groups.Tuple.tuple("sent_messages", 2),
                            org.assertj.core.groups.Tuple.tuple("permission_requests", 1),
                            org.assertj.core.groups.Tuple.tuple("settings", 2));
            assertThat(first.conflicting()).isZero();
            for (Table<?> t : List.of(
                    CHANNEL_STATE, HANDOFF_BINDINGS, CHAT_CONFIG, CHAT_MEMBERS, SENT_MESSAGES, PERMISSION_REQUESTS)) {
                assertThat(rows(to, t)).as(t.getName()).isEqualTo(rows(from, t));
            }
            assertThat(rows(to, SETTINGS))
                    .as("every setting but the write probe, which is each store's own")
                    .isEqualTo(rows(from, SETTINGS).stream()
                            .filter(r -> !r.get("key").equals("store_probe"))
                            .toList());
            assertThat(rows(to, INBOX))
                    .as("every event, in the order it arrived")
                    .isEqualTo(rows(from, INBOX));
            assertThat(rows(to, OWNERSHIP_LOG)).isEqualTo(rows(from, OWNERSHIP_LOG));
            List<Map<String, Object>> sessions = rows(from, SESSIONS);
            sessions.forEach(s -> s.put("connected", false));
            assertThat(rows(to, SESSIONS))
                    .as("no session is connected to a daemon of the team yet")
                    .isEqualTo(sessions);
            assertThat(to.channel().current()).isEqualTo(new ChannelState("s1", "s1", "s2", 1));

            StoreCopy.Report second = StoreCopy.copy(from, to);

            assertThat(second.changedNothing()).isTrue();
            assertThat(second.conflicting()).isZero();
            assertThat(second.alreadyThere()).isEqualTo(first.copied());
            assertThat(rows(to, INBOX)).isEqualTo(rows(from, INBOX));
        }
    }

    @Test
    void given_a_database_the_team_already_uses_then_its_rows_stay_and_each_difference_is_reported() {
        StoreLocation.Postgres team = TestPostgres.newDatabase();
        try (Store sqlite = Store.open(home, homeClock)) {
            populate(sqlite);
        }
        try (Store from = Store.open(home, homeClock);
                Store to = Store.open(team, teamClock)) {
            to.inbox().insertIfAbsent(InboxEvent.of("ev-team", "im.message.receive_v1", "{\"team\":1}"));
            to.sessions().register("s1", Role.SESSION, "{}", DeliveryMode.PULL, 77L, "2.0", "daemon-b");
            to.bindings().claim(Binding.of("oc_team", "s1"));
            to.chats().saveConfig(new ChatConfig("oc_1", FilterLevel.VERBOSE, true, "team norms", null, 0));
            to.channel()
                    .transition(
                            new OwnershipChange("register", "t1", null),
                            s -> s.withDispatcher("t1").withOwner("t1"));

            StoreCopy.Report report = StoreCopy.copy(from, to);

            assertThat(report.table("chat_config").conflicts())
                    .singleElement()
                    .asString()
                    .contains("chat_config oc_1", "filter_level", "newer", "left as the database has it");
            assertThat(to.chats().config("oc_1").norms()).isEqualTo("team norms");
            assertThat(report.table("sessions").conflicts())
                    .singleElement()
                    .asString()
                    .contains("sessions s1", "metadata_json");
            assertThat(report.table("sessions").copied()).as("s2").isEqualTo(1);
            assertThat(report.table("handoff_bindings").conflicts())
                    .singleElement()
                    .asString()
                    .contains("handoff_bindings oc_1", "session_id s1 belongs to handoff_bindings oc_team");
            assertThat(to.bindings().findBySession("s1").orElseThrow().chatId()).isEqualTo("oc_team");
            assertThat(report.table("channel_state").conflicting()).isEqualTo(1);
            assertThat(to.channel().current().ownerSessionId()).isEqualTo("t1");
            assertThat(report.table("ownership_log").copied())
                    .as("the log is history: this home's rows join the team's")
                    .isEqualTo(4);
            assertThat(report.table("inbox").copied()).isEqualTo(3);
            assertThat(rows(to, INBOX).stream().map(r -> r.get("dedupe_key")).toList())
                    .as("the team's event keeps its place, this home's follow in their order")
                    .containsExactly("event:ev-team", "event:ev-1", "event:ev-2", "event:ev-3");

            StoreCopy.Report again = StoreCopy.copy(from, to);

            assertThat(again.changedNothing()).isTrue();
            assertThat(again.conflicting()).isEqualTo(report.conflicting());
        }
    }

    @Test
    void given_more_events_than_one_batch_then_all_arrive_in_order() {
        StoreLocation.Postgres team = TestPostgres.newDatabase();
        int n = StoreCopy.BATCH * 2 + 7;
        try (Store sqlite = Store.open(home, homeClock)) {
            List<InboxEvent> events = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                events.add(InboxEvent.of("ev-" + i, "im.message.receive_v1", "{\"i\":" + i + "}"));
            }
            sqlite.inbox().insertAllIfAbsent(events);
        }
        try (Store from = Store.open(home, homeClock);
                Store to = Store.open(team, teamClock)) {

            assertThat(StoreCopy.copy(from, to).table("inbox").copied()).isEqualTo(n);

            assertThat(rows(to, INBOX)).isEqualTo(rows(from, INBOX));
        }
    }

    /** Every table of a home that has seen some use: sessions, the channel, events, a handoff, a group's settings. */
    private void populate(Store store) {
        store.sessions().register("s1", Role.DISPATCHER, "{\"cwd\":\"/src/a\"}", DeliveryMode.PUSH, 11L, "1.0");
        homeClock.advance(Duration.ofSeconds(1));
        store.sessions().register("s2", Role.SESSION, "{}", DeliveryMode.PULL, 12L, "1.0");
        store.channel()
                .transition(
                        new OwnershipChange("register", "s1", "dispatcher registered"),
                        s -> s.withDispatcher("s1").withOwner("s1"));
        homeClock.advance(Duration.ofSeconds(1));
        // Within one millisecond: the first and the third log rows are equal, and both must arrive.
        store.channel().transition(new OwnershipChange("grant", "s1", null), s -> s.withGranted("s2"));
        store.channel().transition(new OwnershipChange("revoke", "s1", null), s -> s.withGranted(null));
        store.channel().transition(new OwnershipChange("grant", "s1", null), s -> s.withGranted("s2"));
        for (int i = 1; i <= 3; i++) {
            homeClock.advance(Duration.ofSeconds(1));
            store.inbox()
                    .insertIfAbsent(InboxEvent.of("ev-" + i, "im.message.receive_v1", "{\"n\":" + i + "}")
                            .withMessage(
                                    "om_" + i,
                                    "oc_1",
                                    "group",
                                    "ou_alice",
                                    "user",
                                    "text",
                                    "hello " + i,
                                    homeClock.millis()));
        }
        store.inbox().markDelivered("ev-1", "s1");
        store.inbox().markFiltered("ev-2", "not allowed");
        store.bindings().claim(Binding.of("oc_1", "s1").withOperator("ou_alice", "ou_bot"));
        store.chats().saveConfig(new ChatConfig("oc_1", FilterLevel.IMPORTANT, false, "be brief", "om_card", 5));
        store.chats().putMember("oc_1", "ou_bob", "Bob", MemberRole.GUEST);
        store.chats().putMember("oc_1", "ou_carol", "Carol", MemberRole.COOWNER);
        store.chats().recordSent(new SentMessage("om_s1", "oc_1", "s1", "message", null, "hi", 100));
        store.chats().recordSent(new SentMessage("om_s2", "oc_1", "s1", "working_card", "Working", "…", 200));
        store.permissions().create("perm-1", "s1", "oc_1", "Bash", "ls");
        store.permissions().decide("perm-1", Decision.ALLOW, "ou_alice");
        store.settings().put("stop:s1", "1");
        store.settings().put("unanswered:oc_1", "om_3");
    }

    /** A table's rows as column maps, in key order; the numbers a database hands out itself left out. */
    private static List<Map<String, Object>> rows(Store store, Table<?> table) {
        List<SortField<?>> order = new ArrayList<>();
        Field<?> seq = table.field("seq");
        if (seq != null) {
            order.add(seq.asc());
        } else {
            for (Field<?> k : table.getPrimaryKey().getFields()) {
                order.add(k.asc());
            }
        }
        return store.database()
                .read(ctx -> ctx.selectFrom(table).orderBy(order).fetch().stream()
                        .map(r -> {
                            Map<String, Object> m = new LinkedHashMap<>(r.intoMap());
                            m.remove("seq");
                            return m;
                        })
                        .toList());
    }
}
