package dev.larkhandoff.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.store.inbox.InboxEvent;
import dev.larkhandoff.store.postgres.LocalPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What is particular to a store on PostgreSQL: a server that goes away and comes back, a schema newer than the
 * program, daemons that open a new database at the same moment, and a transaction that fails halfway.
 */
@ExtendWith(TestPostgres.class)
class PostgresStoreTest {

    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    private static InboxEvent event(String id) {
        return InboxEvent.of(id, "im.message.receive_v1", "{}");
    }

    @Test
    void given_the_server_stops_then_calls_fail_naming_the_database_and_once_it_is_back_the_store_carries_on() {
        StoreLocation.Postgres location = TestPostgres.newDatabase();
        LocalPostgres server = TestPostgres.server();
        try (Store store = Store.open(location, Clock.fixed(NOW, ZoneOffset.UTC))) {
            // Its connection stays open in the store's pool, and goes stale with the restart.
            store.inbox().insertIfAbsent(event("before"));

            server.stop();
            try {
                assertThatThrownBy(() -> store.inbox().insertIfAbsent(event("while-down")))
                        .isInstanceOf(StoreUnwritableException.class)
                        .hasMessageContaining("127.0.0.1:" + server.port() + "/" + location.database())
                        .hasMessageContaining("cannot be reached")
                        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(location.password()));
                assertThatThrownBy(() -> store.inbox().count())
                        .isInstanceOf(StoreException.class)
                        .hasMessageContaining(location.describe());
                assertThat(store.health().writable()).isFalse();
                assertThat(store.health().unwritableSince()).isEqualTo(NOW);
                assertThat(store.health().problem()).contains("cannot reach the PostgreSQL server");
                assertThat(store.probeWrite().writable())
                        .as("the probe fails while the server is down")
                        .isFalse();
            } finally {
                server.restart();
            }

            assertThat(store.inbox().insertIfAbsent(event("after")).inserted())
                    .as("the first write after the restart goes through on a new connection")
                    .isTrue();
            assertThat(store.health().writable()).isTrue();
            assertThat(store.inbox().find("event:before")).isPresent();
            assertThat(store.inbox().find("event:while-down")).isEmpty();
        }
    }

    @Test
    void given_the_server_is_down_when_a_store_is_opened_then_the_error_names_the_database_and_not_the_password() {
        StoreLocation.Postgres location = TestPostgres.newDatabase();
        LocalPostgres server = TestPostgres.server();
        server.stop();
        try {
            assertThatThrownBy(() -> Store.open(location, Clock.systemUTC()))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(location.describe())
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(location.password()));
        } finally {
            server.restart();
        }
    }

    @Test
    void given_a_wrong_password_when_a_store_is_opened_then_the_error_says_so_without_either_password() {
        StoreLocation.Postgres location = TestPostgres.newDatabase();

        assertThatThrownBy(() -> Store.open(location.withPassword("not-the-password"), Clock.systemUTC()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(location.describe())
                .hasMessageContaining("password authentication failed")
                .satisfies(e -> assertThat(e.getMessage())
                        .doesNotContain(location.password())
                        .doesNotContain("not-the-password"));
    }

    @Test
    void given_a_database_with_a_newer_schema_when_opened_then_it_is_refused_naming_both_versions_and_left_as_is()
            throws Exception {
        StoreLocation.Postgres location = TestPostgres.newDatabase();
        try (Store store = Store.open(location, Clock.systemUTC())) {
            store.inbox().insertIfAbsent(event("kept"));
        }
        sql(location, "INSERT INTO schema_version VALUES (7, 'from_the_future', 0)");

        assertThatThrownBy(() -> Store.open(location, Clock.systemUTC()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(location.describe())
                .hasMessageContaining("schema version 7, newer than this program's 2")
                .hasMessageContaining("Nothing was changed");
        assertThat(query(location, "SELECT version FROM schema_version ORDER BY version"))
                .containsExactly("1", "2", "7");
        assertThat(query(location, "SELECT dedupe_key FROM inbox")).containsExactly("event:kept");
    }

    @Test
    void given_four_daemons_opening_a_new_database_at_once_then_each_finds_it_migrated_and_v1_ran_once()
            throws Exception {
        StoreLocation.Postgres location = TestPostgres.newDatabase();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Store> stores = new ArrayList<>();
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Store>> opening = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Callable<Store> open = () -> {
                    start.await();
                    return Store.open(location, Clock.systemUTC());
                };
                opening.add(pool.submit(open));
            }
            start.countDown();
            for (Future<Store> f : opening) {
                stores.add(f.get());
            }

            assertThat(stores).allSatisfy(s -> assertThat(s.schemaVersion()).isEqualTo(2));
            assertThat(query(location, "SELECT version FROM schema_version ORDER BY version"))
                    .containsExactly("1", "2");
            assertThat(query(location, "SELECT count(*) FROM channel_state")).containsExactly("1");
        } finally {
            stores.forEach(Store::close);
            pool.shutdownNow();
        }
    }

    @Test
    void given_a_transaction_that_fails_halfway_when_the_next_write_runs_then_nothing_of_the_first_is_left() {
        StoreLocation.Postgres location = TestPostgres.newDatabase();
        try (Store store = Store.open(location, Clock.systemUTC())) {
            assertThatThrownBy(() -> store.database().write(ctx -> {
                        ctx.execute("INSERT INTO settings (key, value, updated_at) VALUES ('half', 'done', 0)");
                        return ctx.execute("INSERT INTO handoff_bindings (chat_id, session_id, activated_at)"
                                + " VALUES ('oc_chat', 'no-such-session', 0)");
                    }))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("foreign key");

            assertThat(store.inbox().insertIfAbsent(event("e1")).inserted()).isTrue();
            assertThat(store.settings().get("half")).isEmpty();
            assertThat(store.inbox().count()).isEqualTo(1);
        }
    }

    @Test
    void given_a_postgresql_store_then_it_names_its_location_without_the_password_and_has_no_file() {
        StoreLocation.Postgres location = TestPostgres.newDatabase();
        try (Store store = Store.open(location, Clock.systemUTC())) {
            assertThat(store.location()).isEqualTo(location);
            assertThat(store.location().toString())
                    .isEqualTo("postgresql://lark@" + location.describe())
                    .doesNotContain(location.password());
            assertThatThrownBy(store::file).isInstanceOf(UnsupportedOperationException.class);
        }
    }

    private static void sql(StoreLocation.Postgres location, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(location.jdbcUrl(), location.connectionProperties());
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static List<String> query(StoreLocation.Postgres location, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(location.jdbcUrl(), location.connectionProperties());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
