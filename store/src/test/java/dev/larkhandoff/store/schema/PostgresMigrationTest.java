package dev.larkhandoff.store.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.store.StoreLocation;
import dev.larkhandoff.store.TestPostgres;
import dev.larkhandoff.store.schema.SchemaMigrator.Dialect;
import dev.larkhandoff.store.schema.SchemaMigrator.Migration;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The migrator on a real PostgreSQL database: the same contract as on SQLite, and one migrator at a time. */
@ExtendWith(TestPostgres.class)
class PostgresMigrationTest {

    @Test
    void given_the_bundled_migrations_then_postgresql_has_the_same_versions_and_descriptions_as_sqlite() {
        List<Migration> sqlite = SchemaMigrator.bundled(Dialect.SQLITE);
        List<Migration> postgres = SchemaMigrator.bundled(Dialect.POSTGRESQL);

        assertThat(postgres)
                .extracting(Migration::version, Migration::description)
                .isEqualTo(sqlite.stream()
                        .map(m -> org.assertj.core.groups.Tuple.tuple(m.version(), m.description()))
                        .toList());
    }

    @Test
    void given_a_new_database_when_migrated_then_every_migration_is_applied_and_recorded() throws Exception {
        try (Connection c = connect(TestPostgres.newDatabase())) {
            List<Migration> migrations = List.of(
                    new Migration(1, "first", "CREATE TABLE a (x BIGINT); INSERT INTO a VALUES (1);"),
                    new Migration(2, "second", "CREATE TABLE b (y TEXT);"));

            assertThat(SchemaMigrator.migrate(c, migrations)).isEqualTo(2);

            assertThat(SchemaMigrator.currentVersion(c)).isEqualTo(2);
            assertThat(rows(c, "SELECT version || ' ' || description FROM schema_version ORDER BY version"))
                    .containsExactly("1 first", "2 second");
            assertThat(c.getAutoCommit())
                    .as("the connection's mode is given back")
                    .isTrue();
        }
    }

    @Test
    void given_a_failing_second_migration_when_migrated_then_the_database_stays_at_v1_without_any_of_v2()
            throws Exception {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        Migration first = new Migration(1, "first", "CREATE TABLE a (x BIGINT); INSERT INTO a VALUES (1);");
        try (Connection c = connect(db)) {
            List<Migration> broken = List.of(
                    first,
                    new Migration(
                            2,
                            "broken",
                            "CREATE TABLE b (y TEXT); INSERT INTO a VALUES (2); INSERT INTO no_such_table VALUES (3);"));

            assertThatThrownBy(() -> SchemaMigrator.migrate(c, broken))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("V2__broken")
                    .hasMessageContaining("no_such_table");

            assertThat(SchemaMigrator.currentVersion(c)).isEqualTo(1);
            assertThat(rows(c, "SELECT to_regclass('b')::text")).containsExactly((String) null);
            assertThat(rows(c, "SELECT x::text FROM a")).containsExactly("1");
        }
        try (Connection c = connect(db)) {
            List<Migration> fixed = List.of(first, new Migration(2, "broken", "CREATE TABLE b (y TEXT);"));
            assertThat(SchemaMigrator.migrate(c, fixed)).isEqualTo(2);
        }
    }

    @Test
    void given_a_database_newer_than_the_migrations_when_migrated_then_it_is_refused_naming_both_versions()
            throws Exception {
        try (Connection c = connect(TestPostgres.newDatabase())) {
            SchemaMigrator.migrate(c, List.of(new Migration(1, "first", "CREATE TABLE a (x BIGINT);")));
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO schema_version VALUES (7, 'future', 0)");
            }

            assertThatThrownBy(() ->
                            SchemaMigrator.migrate(c, List.of(new Migration(1, "first", "CREATE TABLE a (x BIGINT);"))))
                    .isInstanceOfSatisfying(SchemaMigrator.NewerSchemaException.class, e -> {
                        assertThat(e.databaseVersion()).isEqualTo(7);
                        assertThat(e.programVersion()).isEqualTo(1);
                    });
            assertThat(c.getAutoCommit()).isTrue();
        }
    }

    @Test
    void given_three_migrators_starting_together_on_a_new_database_then_each_migration_runs_exactly_once()
            throws Exception {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        // Slow, and not repeatable (a second CREATE TABLE a would fail): without the lock the others would run it
        // again while the first is still inside it.
        List<Migration> migrations = List.of(
                new Migration(1, "slow", "CREATE TABLE a (x BIGINT); SELECT pg_sleep(0.5); INSERT INTO a VALUES (1);"),
                new Migration(2, "next", "CREATE TABLE b (y TEXT); INSERT INTO a VALUES (2);"));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                results.add(pool.submit(() -> {
                    try (Connection c = connect(db)) {
                        start.await();
                        return SchemaMigrator.migrate(c, migrations);
                    }
                }));
            }
            start.countDown();
            for (Future<Integer> r : results) {
                assertThat(r.get()).isEqualTo(2);
            }
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = connect(db)) {
            assertThat(rows(c, "SELECT version::text FROM schema_version ORDER BY version"))
                    .containsExactly("1", "2");
            assertThat(rows(c, "SELECT x::text FROM a ORDER BY x")).containsExactly("1", "2");
        }
    }

    @Test
    void given_the_bundled_postgresql_migrations_when_applied_then_every_statement_runs() throws Exception {
        try (Connection c = connect(TestPostgres.newDatabase())) {
            assertThat(SchemaMigrator.migrate(c, SchemaMigrator.bundled(Dialect.POSTGRESQL)))
                    .isEqualTo(SchemaMigrator.latest(SchemaMigrator.bundled(Dialect.SQLITE)));
        }
    }

    private static Connection connect(StoreLocation.Postgres db) throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(), db.connectionProperties());
    }

    private static List<String> rows(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
