package dev.larkhandoff.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.StoreLocation;
import dev.larkhandoff.store.TestPostgres;
import dev.larkhandoff.store.postgres.LocalPostgres;
import dev.larkhandoff.store.postgres.PostgresCheck;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code lark-handoff init --store-url}, run in-process against the emulator and a real PostgreSQL server: a good
 * database is checked live and made ready, each way a database can fail is explained with its fix and nothing is
 * written, and the password is never shown.
 */
@ExtendWith(TestPostgres.class)
class InitSharedStoreTest {

    @TempDir
    Path home;

    private LarkEmulator lark;

    @BeforeEach
    void setUp() {
        lark = LarkEmulator.start();
        lark.control().addUser("Alice", "alice@example.com");
    }

    @AfterEach
    void tearDown() {
        lark.close();
    }

    @Test
    void given_a_database_that_answers_then_init_creates_the_store_and_writes_the_url_without_showing_the_password()
            throws Exception {
        StoreLocation.Postgres db = TestPostgres.newDatabase();

        Cli.Run run = init(Map.of(Environment.STORE_PASSWORD, db.password()), db.toString());

        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.out())
                .contains(
                        "✔ PostgreSQL ",
                        "answers at " + db.describe() + " as " + db.user(),
                        "✔ The shared store is ready (schema version",
                        "this user may create its tables, and did",
                        "✔ store_url is " + db,
                        "Set the same store_url on every machine");
        assertThat(run.all()).doesNotContain(db.password());
        assertThat(config().path("store_url").asString()).isEqualTo(db.toString());
        PostgresCheck.Server server = PostgresCheck.look(db, Clock.systemUTC());
        assertThat(server.schemaVersion()).isEqualTo(server.programVersion());
    }

    @Test
    void given_the_password_in_the_url_then_the_private_config_keeps_the_url_as_given_and_output_masks_it()
            throws Exception {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        String url = db.urlWithPassword();

        Cli.Run run = init(Map.of(), url);

        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.all()).doesNotContain(db.password());
        assertThat(run.out()).contains("postgresql://" + db.user() + ":***@" + db.describe());
        assertThat(config().path("store_url").asString()).isEqualTo(url);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("config.json"))))
                .isEqualTo("rw-------");
    }

    @Test
    void given_nothing_listening_at_the_address_then_it_says_to_check_host_port_and_server_and_writes_nothing()
            throws IOException {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        StoreLocation.Postgres nowhere = moved(db, freePort(), db.database());

        Cli.Run run = init(Map.of(Environment.STORE_PASSWORD, db.password()), nowhere.toString());

        assertFailed(run, "cannot use " + nowhere.describe(), "listen_addresses", "firewall");
    }

    @Test
    void given_a_wrong_password_then_it_names_where_the_password_came_from_and_writes_nothing() {
        StoreLocation.Postgres db = TestPostgres.newDatabase();

        Cli.Run run = init(Map.of(Environment.STORE_PASSWORD, "not-the-password"), db.toString());

        assertFailed(run, "password authentication failed", "the password from " + Environment.STORE_PASSWORD);
        assertThat(run.all()).doesNotContain("not-the-password");
    }

    @Test
    void given_no_password_at_all_then_it_says_where_one_goes() {
        StoreLocation.Postgres db = TestPostgres.newDatabase();

        Cli.Run run = init(Map.of(), db.toString());

        assertFailed(run, "no password", Environment.STORE_PASSWORD, home.resolve("store-password") + " (chmod 600)");
    }

    @Test
    void given_a_database_that_does_not_exist_then_it_says_how_to_create_it() {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        StoreLocation.Postgres missing = moved(db, db.port(), "team_store");

        Cli.Run run = init(Map.of(Environment.STORE_PASSWORD, db.password()), missing.toString());

        assertFailed(run, "does not exist", "CREATE DATABASE team_store OWNER " + db.user());
    }

    @Test
    void given_a_user_who_may_not_create_tables_then_it_says_what_to_grant() throws SQLException {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        String role = "r_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        execute(db, "CREATE ROLE " + role + " LOGIN PASSWORD 'pw-" + role + "'");
        execute(db, "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
        String url = "postgresql://" + role + "@" + db.describe();

        Cli.Run run = init(Map.of(Environment.STORE_PASSWORD, "pw-" + role), url);

        assertFailed(run, "may not create tables", "GRANT CREATE ON SCHEMA public TO " + role);
    }

    @Test
    void given_a_standby_then_it_says_to_use_the_primary(@TempDir Path dir) {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        try (LocalPostgres standby = TestPostgres.server().startStandby(dir.resolve("standby"))) {
            StoreLocation.Postgres onStandby = moved(db, standby.port(), db.database());

            Cli.Run run = init(Map.of(Environment.STORE_PASSWORD, db.password()), onStandby.toString());

            assertFailed(run, "is a standby", "point store_url at the primary");
        }
    }

    @Test
    void given_store_url_none_then_the_home_goes_back_to_its_own_store() throws Exception {
        new LarkHandoffConfig(home, "cli_old", "old", "feishu").save(Optional.of("postgresql://u@db.example/team"));

        Cli.Run run = init(Map.of(), "none");

        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(config().has("store_url")).isFalse();
        assertThat(run.out()).contains("keeps its own store");
    }

    @Test
    void given_a_home_with_a_store_of_its_own_then_it_points_to_store_migrate() {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        Store.open(home, Clock.systemUTC()).close();

        Cli.Run run = init(Map.of(Environment.STORE_PASSWORD, db.password()), db.toString());

        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.out()).contains("This home has a store of its own", "lark-handoff store migrate");
    }

    private Cli.Run init(Map<String, String> env, String storeUrl) {
        List<String> args = new ArrayList<>(List.of(
                "init",
                "--home",
                home.toString(),
                "--domain",
                lark.baseUrl(),
                "--app-id",
                lark.app().appId(),
                "--app-secret",
                lark.app().appSecret(),
                "--email",
                "alice@example.com",
                "--no-plugin",
                "--store-url",
                storeUrl));
        return Cli.run(env, args.toArray(String[]::new));
    }

    private void assertFailed(Cli.Run run, String... said) {
        assertThat(run.exit()).as(run.all()).isEqualTo(1);
        assertThat(run.err()).contains(said).contains("    fix: ", "Nothing was written");
        assertThat(home.resolve("config.json")).doesNotExist();
    }

    private JsonNode config() throws IOException {
        return ServerJson.mapper().readTree(Files.readString(home.resolve("config.json")));
    }

    private static StoreLocation.Postgres moved(StoreLocation.Postgres db, int port, String database) {
        return new StoreLocation.Postgres(db.host(), port, database, db.user(), null, db.options());
    }

    private static void execute(StoreLocation.Postgres db, String sql) throws SQLException {
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
