package dev.larkhandoff.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.StoreException;
import dev.larkhandoff.store.StoreLocation;
import dev.larkhandoff.store.TestPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code init} and {@code doctor} learn from a team's database before any daemon uses it, each failure staged
 * for real on a real server: nothing listening, a wrong or missing password, no such database, a user who may not
 * create tables, a store of a newer program, a standby.
 */
@ExtendWith(TestPostgres.class)
class PostgresCheckTest {

    private final Clock clock = Clock.systemUTC();

    @Test
    void given_a_new_database_then_it_answers_with_its_version_and_no_store_yet() {
        PostgresCheck.Server server = PostgresCheck.look(TestPostgres.newDatabase(), clock);

        assertThat(server.serverVersion()).matches("\\d+.*");
        assertThat(server.schemaVersion()).isZero();
        assertThat(server.programVersion()).isGreaterThanOrEqualTo(2);
        assertThat(server.daemons()).isEmpty();
    }

    @Test
    void given_a_clock_half_a_minute_behind_the_server_then_the_skew_says_so() {
        Clock behind = Clock.offset(clock, Duration.ofSeconds(-30));

        long skew = PostgresCheck.look(TestPostgres.newDatabase(), behind).skewMillis();

        assertThat(skew).isCloseTo(30_000L, within(5_000L));
    }

    @Test
    void given_a_store_with_a_daemon_then_the_daemon_is_listed() {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        try (Store store = Store.open(db, clock)) {
            store.team()
                    .heartbeat(
                            "d-1",
                            "laptop",
                            "/home/a/.lark-handoff",
                            42,
                            "1.2.3",
                            1,
                            Duration.ofSeconds(30),
                            "connected");
        }

        PostgresCheck.Server server = PostgresCheck.look(db, clock);

        assertThat(server.schemaVersion()).isEqualTo(server.programVersion());
        assertThat(server.daemons()).singleElement().satisfies(d -> {
            assertThat(d.machine()).isEqualTo("laptop");
            assertThat(d.pid()).isEqualTo(42);
            assertThat(d.larkConnection()).isEqualTo("connected");
        });
    }

    @Test
    void given_nothing_listening_on_the_port_then_the_server_is_unreachable() throws IOException {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        StoreLocation.Postgres nowhere = new StoreLocation.Postgres(
                db.host(), freePort(), db.database(), db.user(), db.password(), db.options());

        assertThatThrownBy(() -> PostgresCheck.look(nowhere, clock))
                .isInstanceOfSatisfying(
                        PostgresCheck.Failed.class,
                        f -> assertThat(f.problem()).isEqualTo(PostgresCheck.Problem.UNREACHABLE))
                .hasMessageContaining(nowhere.describe());
    }

    @Test
    void given_a_wrong_password_then_it_is_refused_and_never_shown() {
        StoreLocation.Postgres wrong = TestPostgres.newDatabase().withPassword("not-the-password");

        assertThatThrownBy(() -> PostgresCheck.look(wrong, clock))
                .isInstanceOfSatisfying(
                        PostgresCheck.Failed.class,
                        f -> assertThat(f.problem()).isEqualTo(PostgresCheck.Problem.BAD_PASSWORD))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not-the-password"));
    }

    @Test
    void given_no_password_then_it_says_one_is_needed() {
        StoreLocation.Postgres none = TestPostgres.newDatabase().withPassword(null);

        assertThatThrownBy(() -> PostgresCheck.look(none, clock))
                .isInstanceOfSatisfying(
                        PostgresCheck.Failed.class,
                        f -> assertThat(f.problem()).isEqualTo(PostgresCheck.Problem.NO_PASSWORD));
    }

    @Test
    void given_a_database_that_does_not_exist_then_it_says_so() {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        StoreLocation.Postgres missing =
                new StoreLocation.Postgres(db.host(), db.port(), "no_such_db", db.user(), db.password(), db.options());

        assertThatThrownBy(() -> PostgresCheck.look(missing, clock))
                .isInstanceOfSatisfying(
                        PostgresCheck.Failed.class,
                        f -> assertThat(f.problem()).isEqualTo(PostgresCheck.Problem.NO_DATABASE));
    }

    @Test
    void given_a_user_who_may_not_create_tables_then_the_check_and_the_store_both_say_so() throws SQLException {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        StoreLocation.Postgres reader = withRole(db, false);

        assertThatThrownBy(() -> PostgresCheck.look(reader, clock))
                .isInstanceOfSatisfying(
                        PostgresCheck.Failed.class,
                        f -> assertThat(f.problem()).isEqualTo(PostgresCheck.Problem.NO_CREATE))
                .hasMessageContaining(reader.user());
        assertThatThrownBy(() -> Store.open(reader, clock))
                .isInstanceOf(StoreException.class)
                .satisfies(e -> assertThat(PostgresCheck.classify(e)).isEqualTo(PostgresCheck.Problem.NO_CREATE));
    }

    @Test
    void given_a_store_of_a_newer_program_then_it_is_refused() throws SQLException {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        Store.open(db, clock).close();
        execute(db, "INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'future', 0)");

        assertThatThrownBy(() -> PostgresCheck.look(db, clock))
                .isInstanceOfSatisfying(
                        PostgresCheck.Failed.class,
                        f -> assertThat(f.problem()).isEqualTo(PostgresCheck.Problem.NEWER_SCHEMA))
                .hasMessageContaining("99");
        assertThatThrownBy(() -> Store.open(db, clock))
                .satisfies(e -> assertThat(PostgresCheck.classify(e)).isEqualTo(PostgresCheck.Problem.NEWER_SCHEMA));
    }

    @Test
    void given_a_standby_then_it_is_refused(@TempDir Path dir) {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        try (LocalPostgres standby = TestPostgres.server().startStandby(dir.resolve("standby"))) {
            StoreLocation.Postgres onStandby = new StoreLocation.Postgres(
                    db.host(), standby.port(), db.database(), db.user(), db.password(), db.options());

            assertThatThrownBy(() -> PostgresCheck.look(onStandby, clock))
                    .isInstanceOfSatisfying(
                            PostgresCheck.Failed.class,
                            f -> assertThat(f.problem()).isEqualTo(PostgresCheck.Problem.STANDBY))
                    .hasMessageContaining("standby");
        }
    }

    /** A new login role with a password; with {@code mayCreate} false it may not create in the public schema. */
    static StoreLocation.Postgres withRole(StoreLocation.Postgres db, boolean mayCreate) throws SQLException {
        String role = "r_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String password = "pw-" + role;
        execute(db, "CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
        // Servers before 15 let every role create in public; take that away so the role is as a cautious DBA makes it.
        execute(db, "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
        if (mayCreate) {
            execute(db, "GRANT CREATE ON SCHEMA public TO " + role);
        }
        return new StoreLocation.Postgres(db.host(), db.port(), db.database(), role, password, db.options());
    }

    static void execute(StoreLocation.Postgres db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.connectionProperties());
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
