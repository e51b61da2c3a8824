package dev.larkhandoff.store.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.store.schema.SchemaMigrator.Migration;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaMigratorTest {

    @TempDir
    Path dir;

    @Nested
    class Statements {

        @Test
        void given_a_script_when_split_then_each_statement_stands_alone_without_its_semicolon() {
            List<String> statements = SchemaMigrator.statements("CREATE TABLE a (x);\nCREATE TABLE b (y);\n");

            assertThat(statements).containsExactly("CREATE TABLE a (x)", "CREATE TABLE b (y)");
        }

        @Test
        void given_semicolons_inside_quotes_when_split_then_they_do_not_end_a_statement() {
            List<String> statements = SchemaMigrator.statements("INSERT INTO t VALUES ('a;b', 'it''s; fine');\n"
                    + "CREATE TABLE \"odd;name\" (x TEXT DEFAULT 'x;y');\n"
                    + "CREATE INDEX `i;x` ON t (x);\n"
                    + "SELECT 1");

            assertThat(statements)
                    .containsExactly(
                            "INSERT INTO t VALUES ('a;b', 'it''s; fine')",
                            "CREATE TABLE \"odd;name\" (x TEXT DEFAULT 'x;y')",
                            "CREATE INDEX `i;x` ON t (x)",
                            "SELECT 1");
        }

        @Test
        void given_line_comments_when_split_then_they_are_dropped_with_any_semicolons_and_quotes_in_them() {
            List<String> statements = SchemaMigrator.statements("-- the first table; don't split here\n"
                    + "CREATE TABLE a (x); -- trailing; comment with a ' quote\n"
                    + "CREATE TABLE b (\n"
                    + "    y INTEGER -- a column comment; still b\n"
                    + ");\n"
                    + "-- a last comment without a newline; at the end");

            assertThat(statements).hasSize(2);
            assertThat(statements.get(0)).isEqualTo("CREATE TABLE a (x)");
            assertThat(statements.get(1))
                    .startsWith("CREATE TABLE b (")
                    .endsWith(")")
                    .contains("y INTEGER")
                    .doesNotContain("--")
                    .doesNotContain("still b");
        }

        @Test
        void given_dashes_inside_a_string_when_split_then_they_are_kept_as_text() {
            List<String> statements = SchemaMigrator.statements("INSERT INTO t VALUES ('a--b;c'); SELECT 2;");

            assertThat(statements).containsExactly("INSERT INTO t VALUES ('a--b;c')", "SELECT 2");
        }

        @Test
        void given_block_comments_when_split_then_semicolons_and_quotes_in_them_do_not_count() {
            List<String> statements =
                    SchemaMigrator.statements("/* header; it's the schema */ CREATE TABLE a (x /* the; column */);\n"
                            + "INSERT INTO a VALUES ('/* not; a comment */');");

            assertThat(statements)
                    .containsExactly("CREATE TABLE a (x  )", "INSERT INTO a VALUES ('/* not; a comment */')");
        }

        @Test
        void given_only_whitespace_comments_and_empty_statements_when_split_then_there_is_nothing() {
            assertThat(SchemaMigrator.statements(" ;;\n ; -- nothing\n\t")).isEmpty();
            assertThat(SchemaMigrator.statements("")).isEmpty();
        }

        @Test
        void given_the_bundled_first_migration_when_split_then_every_statement_runs_on_sqlite() throws Exception {
            Migration v1 = SchemaMigrator.bundled().get(0);
            try (Connection c = connect(dir.resolve("split.db"));
                    Statement s = c.createStatement()) {
                for (String statement : SchemaMigrator.statements(v1.sql())) {
                    assertThat(statement).doesNotEndWith(";").isNotBlank();
                    s.execute(statement);
                }
            }
        }
    }

    @Nested
    class Discovery {

        @Test
        void given_migrations_out_of_order_on_disk_when_listed_then_they_come_in_version_order() throws Exception {
            write("V2__second.sql", "SELECT 2;");
            write("V10__tenth_is_not_there.sql", "SELECT 10;");
            write("V1__first.sql", "SELECT 1;");
            for (int v = 3; v <= 9; v++) {
                write("V" + v + "__n" + v + ".sql", "SELECT " + v + ";");
            }
            write("README.md", "not a migration");

            List<Migration> migrations = SchemaMigrator.fromDirectory(dir);

            assertThat(migrations).extracting(Migration::version).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
            assertThat(migrations.get(0)).isEqualTo(new Migration(1, "first", "SELECT 1;"));
            assertThat(SchemaMigrator.latest(migrations)).isEqualTo(10);
        }

        @Test
        void given_a_gap_in_the_versions_when_listed_then_it_is_refused_naming_the_version_out_of_place()
                throws Exception {
            write("V1__first.sql", "SELECT 1;");
            write("V3__third.sql", "SELECT 3;");

            assertThatThrownBy(() -> SchemaMigrator.fromDirectory(dir))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("without gaps")
                    .hasMessageContaining("V3 at position 2");
        }

        @Test
        void given_a_first_migration_that_is_not_v1_when_listed_then_it_is_refused() throws Exception {
            write("V2__second.sql", "SELECT 2;");

            assertThatThrownBy(() -> SchemaMigrator.fromDirectory(dir))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("V2 at position 1");
        }

        @Test
        void given_two_migrations_with_one_version_when_listed_then_it_is_refused() throws Exception {
            write("V1__first.sql", "SELECT 1;");
            write("V1__also_first.sql", "SELECT 1;");

            assertThatThrownBy(() -> SchemaMigrator.fromDirectory(dir))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("V1 at position 2");
        }

        @Test
        void given_a_migration_file_whose_name_does_not_follow_the_pattern_when_listed_then_it_is_refused_not_skipped()
                throws Exception {
            write("V1__first.sql", "SELECT 1;");
            write("V2__add-an-index.sql", "CREATE INDEX i ON t (x);");

            assertThatThrownBy(() -> SchemaMigrator.fromDirectory(dir))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("V2__add-an-index.sql");
        }

        @Test
        void given_the_classpath_when_bundled_migrations_are_listed_then_v1_is_found() {
            List<Migration> bundled = SchemaMigrator.bundled();

            assertThat(bundled).isNotEmpty();
            assertThat(bundled.get(0).version()).isEqualTo(1);
            assertThat(bundled.get(0).description()).isEqualTo("initial_schema");
            assertThat(bundled.get(0).sql()).contains("CREATE TABLE inbox");
        }

        @Test
        void given_the_program_in_a_jar_when_bundled_migrations_are_listed_then_they_are_read_from_the_jar()
                throws Exception {
            assertBundledFromJar(jarOfTheMigrator(true));
        }

        @Test
        void
                given_the_program_in_a_jar_without_directory_entries_when_bundled_migrations_are_listed_then_they_are_found()
                        throws Exception {
            assertBundledFromJar(jarOfTheMigrator(false));
        }

        private Path jarOfTheMigrator(boolean directoryEntries) throws Exception {
            Path jar = dir.resolve(directoryEntries ? "program.jar" : "program-without-directories.jar");
            Path classes = Path.of(SchemaMigrator.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
                if (directoryEntries) {
                    for (String d : List.of(
                            "db/",
                            "db/migration/",
                            "dev/",
                            "dev/larkhandoff/",
                            "dev/larkhandoff/store/",
                            "dev/larkhandoff/store/schema/")) {
                        add(out, d, new byte[0]);
                    }
                }
                try (Stream<Path> files = Files.list(classes.resolve("dev/larkhandoff/store/schema"))) {
                    for (Path f : files.filter(p -> p.getFileName().toString().startsWith("SchemaMigrator"))
                            .toList()) {
                        add(out, "dev/larkhandoff/store/schema/" + f.getFileName(), Files.readAllBytes(f));
                    }
                }
                add(out, "db/migration/V1__from_the_jar.sql", "CREATE TABLE j (x);".getBytes(StandardCharsets.UTF_8));
                add(
                        out,
                        "db/migration/V2__also_from_the_jar.sql",
                        "CREATE TABLE k (x);".getBytes(StandardCharsets.UTF_8));
            }
            return jar;
        }

        private void assertBundledFromJar(Path jar) throws Exception {
            try (URLClassLoader loader =
                    new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
                Class<?> migrator = loader.loadClass(SchemaMigrator.class.getName());
                assertThat(migrator.getClassLoader()).isSameAs(loader);
                Method bundled = migrator.getMethod("bundled");
                for (int call = 1; call <= 2; call++) { // the second finds the jar's file system already open
                    List<?> migrations = (List<?>) bundled.invoke(null);
                    assertThat(migrations).as("call %d", call).hasSize(2);
                    assertThat(migrations.get(0).toString())
                            .as("call %d", call)
                            .contains("version=1", "from_the_jar", "CREATE TABLE j (x);");
                    assertThat(migrations.get(1).toString()).as("call %d", call).contains("version=2");
                }
            }
        }

        private void add(JarOutputStream out, String name, byte[] bytes) throws IOException {
            out.putNextEntry(new JarEntry(name));
            out.write(bytes);
            out.closeEntry();
        }
    }

    @Nested
    class Migrate {

        private Path db;

        @org.junit.jupiter.api.BeforeEach
        void database() {
            db = dir.resolve("migrate.db");
        }

        @Test
        void given_a_new_database_when_migrated_then_every_migration_is_applied_and_recorded() throws Exception {
            write("V1__first.sql", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);");
            write("V2__second.sql", "CREATE TABLE b (y TEXT);");

            try (Connection c = connect(db)) {
                assertThat(SchemaMigrator.migrate(c, SchemaMigrator.fromDirectory(dir)))
                        .isEqualTo(2);

                assertThat(SchemaMigrator.currentVersion(c)).isEqualTo(2);
                assertThat(rows(c, "SELECT version, description FROM schema_version ORDER BY version"))
                        .containsExactly(List.of(1, "first"), List.of(2, "second"));
                assertThat(tables(c)).contains("a", "b");
            }
        }

        @Test
        void given_a_failing_second_migration_when_migrated_then_the_database_stays_at_v1_without_any_of_v2()
                throws Exception {
            write("V1__first.sql", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);");
            write(
                    "V2__broken.sql",
                    "CREATE TABLE b (y TEXT);\n"
                            + "INSERT INTO b VALUES ('partial work');\n"
                            + "INSERT INTO a VALUES (2);\n"
                            + "INSERT INTO no_such_table VALUES (3);\n");

            try (Connection c = connect(db)) {
                assertThatThrownBy(() -> SchemaMigrator.migrate(c, SchemaMigrator.fromDirectory(dir)))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("V2__broken")
                        .hasMessageContaining("no_such_table");

                assertThat(SchemaMigrator.currentVersion(c)).isEqualTo(1);
                assertThat(rows(c, "SELECT version FROM schema_version")).containsExactly(List.of(1));
                assertThat(tables(c)).contains("a").doesNotContain("b");
                assertThat(rows(c, "SELECT x FROM a")).containsExactly(List.of(1));
                assertThat(c.getAutoCommit()).isTrue();
            }

            // The connection and the file are fine: a corrected V2 applies on the next run.
            write("V2__broken.sql", "CREATE TABLE b (y TEXT); INSERT INTO b VALUES ('whole');");
            try (Connection c = connect(db)) {
                assertThat(SchemaMigrator.migrate(c, SchemaMigrator.fromDirectory(dir)))
                        .isEqualTo(2);
                assertThat(rows(c, "SELECT y FROM b")).containsExactly(List.of("whole"));
            }
        }

        @Test
        void given_an_up_to_date_database_when_migrated_again_then_nothing_is_applied() throws Exception {
            write("V1__first.sql", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);");
            try (Connection c = connect(db)) {
                SchemaMigrator.migrate(c, SchemaMigrator.fromDirectory(dir));
                List<List<Object>> recorded = rows(c, "SELECT version, description, applied_at FROM schema_version");

                assertThat(SchemaMigrator.migrate(c, SchemaMigrator.fromDirectory(dir)))
                        .isEqualTo(1);

                assertThat(rows(c, "SELECT version, description, applied_at FROM schema_version"))
                        .isEqualTo(recorded);
                assertThat(rows(c, "SELECT x FROM a")).containsExactly(List.of(1));
            }
        }

        @Test
        void given_a_database_newer_than_the_migrations_when_migrated_then_it_is_refused_naming_both_versions()
                throws Exception {
            write("V1__first.sql", "CREATE TABLE a (x INTEGER);");
            try (Connection c = connect(db)) {
                SchemaMigrator.migrate(c, SchemaMigrator.fromDirectory(dir));
                try (Statement s = c.createStatement()) {
                    s.execute("INSERT INTO schema_version VALUES (7, 'future', 0)");
                }

                assertThatThrownBy(() -> SchemaMigrator.migrate(c, SchemaMigrator.fromDirectory(dir)))
                        .isInstanceOfSatisfying(SchemaMigrator.NewerSchemaException.class, e -> {
                            assertThat(e.databaseVersion()).isEqualTo(7);
                            assertThat(e.programVersion()).isEqualTo(1);
                        })
                        .hasMessageContaining("7")
                        .hasMessageContaining("1");
            }
        }

        @Test
        void given_a_new_database_when_checked_for_a_newer_schema_then_nothing_is_written() throws Exception {
            Files.createFile(db);
            try (Connection c = connect(db)) {
                SchemaMigrator.refuseNewer(c, SchemaMigrator.bundled());
                assertThat(SchemaMigrator.currentVersion(c)).isZero();
            }
            assertThat(Files.size(db)).isZero();
        }
    }

    private void write(String name, String sql) throws IOException {
        Files.writeString(dir.resolve(name), sql);
    }

    private static Connection connect(Path file) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file);
    }

    private static List<String> tables(Connection c) throws SQLException {
        return rows(c, "SELECT name FROM sqlite_master WHERE type = 'table'").stream()
                .map(r -> (String) r.get(0))
                .toList();
    }

    private static List<List<Object>> rows(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            List<List<Object>> out = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getObject(i));
                }
                out.add(row);
            }
            return out;
        }
    }
}
