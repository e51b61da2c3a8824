package dev.larkhandoff.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.store.inbox.InboxEvent;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link Store#open} does with what it finds at the database path: it opens and migrates what is its own,
 * and refuses everything else with a message naming the file and what to do, never changing a byte of it.
 */
class StoreOpeningTest {

    private static final Clock CLOCK = Clock.systemUTC();

    @TempDir
    Path home;

    private Path db() {
        return home.resolve(Store.FILE_NAME);
    }

    // (a) something that is not SQLite at all

    @Test
    void
            given_a_text_file_at_the_database_path_when_opened_then_it_is_refused_with_how_to_move_it_aside_and_left_as_is()
                    throws Exception {
        Files.writeString(db(), "hello");
        Snapshot before = Snapshot.of(home);

        assertThatThrownBy(() -> Store.open(home, CLOCK))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(db().toString())
                .hasMessageContaining("not a usable SQLite database")
                .hasMessageContaining("mv " + db() + " " + db() + ".broken");

        assertThat(Snapshot.of(home)).isEqualTo(before);
        assertThat(Files.readString(db())).isEqualTo("hello");
    }

    @Test
    void given_a_non_sqlite_file_with_a_leftover_wal_when_opened_then_the_advice_moves_the_wal_aside_too()
            throws Exception {
        Files.writeString(db(), "hello");
        Files.write(Path.of(db() + "-wal"), new byte[] {1, 2, 3});
        Snapshot before = Snapshot.of(home);

        assertThatThrownBy(() -> Store.open(home, CLOCK))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("mv " + db() + " " + db() + ".broken")
                .hasMessageContaining("mv " + db() + "-wal " + db() + ".broken-wal");

        assertThat(Snapshot.of(home)).isEqualTo(before);
    }

    @Test
    void given_a_file_shorter_than_the_sqlite_header_when_opened_then_it_is_refused_and_left_as_is() throws Exception {
        Files.write(db(), "SQLite".getBytes(StandardCharsets.US_ASCII));
        Snapshot before = Snapshot.of(home);

        assertThatThrownBy(() -> Store.open(home, CLOCK))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(db().toString())
                .hasMessageContaining("Move it aside");

        assertThat(Snapshot.of(home)).isEqualTo(before);
    }

    @Test
    void given_a_directory_at_the_database_path_when_opened_then_the_error_names_it() {
        Path dir = db();
        assertThat(dir.toFile().mkdirs()).isTrue();

        assertThatThrownBy(() -> Store.open(home, CLOCK))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(dir.toString());

        assertThat(Files.isDirectory(dir)).isTrue();
    }

    // (b) SQLite, but damaged

    @Test
    void given_a_database_whose_body_was_overwritten_when_opened_then_it_is_refused_naming_the_file_and_left_as_is()
            throws Exception {
        fillAndClose(db(), 3_000);
        long size = Files.size(db());
        assertThat(size).as("a database of many pages").isGreaterThan(40 * 4096L);
        // Garbage over a run of pages in the middle of the file (well past page 1 and the schema).
        try (RandomAccessFile f = new RandomAccessFile(db().toFile(), "rw")) {
            byte[] garbage = new byte[3 * 4096];
            new Random(42).nextBytes(garbage);
            f.seek((size / 2) / 4096 * 4096);
            f.write(garbage);
        }
        Snapshot before = Snapshot.of(home);

        assertThatThrownBy(() -> Store.open(home, CLOCK))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(db().toString())
                .hasMessageContaining("not a usable SQLite database")
                .hasMessageContaining("mv " + db() + " " + db() + ".broken");

        assertThat(Snapshot.of(home)).isEqualTo(before);
    }

    @Test
    void given_a_database_in_rollback_journal_mode_with_a_damaged_body_when_opened_then_not_even_its_header_changes()
            throws Exception {
        // A database from elsewhere (not in WAL mode): switching it to WAL would rewrite its header.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
            s.execute("CREATE INDEX t_body ON t (body)");
            s.execute("BEGIN");
            for (int i = 0; i < 2_000; i++) {
                s.execute("INSERT INTO t (body) VALUES ('row " + i + " " + "x".repeat(100) + "')");
            }
            s.execute("COMMIT");
        }
        long size = Files.size(db());
        try (RandomAccessFile f = new RandomAccessFile(db().toFile(), "rw")) {
            f.seek((size / 2) / 4096 * 4096);
            f.write(new byte[2 * 4096]);
        }
        Snapshot before = Snapshot.of(home);

        assertThatThrownBy(() -> Store.open(home, CLOCK))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(db().toString())
                .hasMessageContaining("not a usable SQLite database");

        assertThat(Snapshot.of(home)).isEqualTo(before);
    }

    @Test
    void given_a_truncated_database_when_opened_then_it_is_refused_naming_the_file_and_left_as_is() throws Exception {
        fillAndClose(db(), 3_000);
        long size = Files.size(db());
        try (RandomAccessFile f = new RandomAccessFile(db().toFile(), "rw")) {
            f.setLength(size / 2 + 1000); // mid-page, as a copy cut short would leave it
        }
        Snapshot before = Snapshot.of(home);

        assertThatThrownBy(() -> Store.open(home, CLOCK))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(db().toString())
                .hasMessageContaining("not a usable SQLite database");

        assertThat(Snapshot.of(home)).isEqualTo(before);
    }

    @Test
    void given_a_database_with_a_damaged_first_page_when_opened_then_it_is_refused_and_left_as_is() throws Exception {
        fillAndClose(db(), 100);
        try (RandomAccessFile f = new RandomAccessFile(db().toFile(), "rw")) {
            f.seek(100); // just past the 100-byte header: the sqlite_master b-tree page header
            f.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
        }
        Snapshot before = Snapshot.of(home);

        assertThatThrownBy(() -> Store.open(home, CLOCK))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(db().toString())
                .hasMessageContaining("not a usable SQLite database");

        assertThat(Snapshot.of(home)).isEqualTo(before);
    }

    @Test
    void
            given_a_database_file_moved_aside_but_its_wal_left_behind_when_opened_then_it_refuses_to_start_on_the_stale_wal()
                    throws Exception {
        Files.write(Path.of(db() + "-wal"), new byte[] {0x37, 0x7f, 0x06, (byte) 0x82, 0, 0, 0, 0});
        Snapshot before = Snapshot.of(home);

        assertThatThrownBy(() -> Store.open(home, CLOCK))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(db() + "-wal")
                .hasMessageContaining("mv " + db() + "-wal ");

        assertThat(Snapshot.of(home)).isEqualTo(before);
    }

    // (c) where the database cannot be

    @Test
    void given_a_home_that_is_not_writable_when_opened_then_the_error_names_the_directory() throws Exception {
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("r-x------"));
        try {
            Assumptions.assumeFalse(
                    Files.isWritable(home),
                    "running as a user that ignores directory permissions (root): an unwritable directory cannot be made");

            assertThatThrownBy(() -> Store.open(home, CLOCK))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(home.toString())
                    .hasMessageContaining("not writable");

            assertThat(db()).doesNotExist();
        } finally {
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void given_a_database_file_that_is_not_writable_when_opened_then_the_error_names_the_file() throws Exception {
        fillAndClose(db(), 1);
        Files.setPosixFilePermissions(db(), PosixFilePermissions.fromString("r--------"));
        try {
            Assumptions.assumeFalse(
                    Files.isWritable(db()),
                    "running as a user that ignores file permissions (root): an unwritable file cannot be made");
            Snapshot before = Snapshot.of(home);

            assertThatThrownBy(() -> Store.open(home, CLOCK))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(db().toString())
                    .hasMessageContaining("not writable");

            assertThat(Snapshot.of(home)).isEqualTo(before);
        } finally {
            Files.setPosixFilePermissions(db(), PosixFilePermissions.fromString("rw-------"));
        }
    }

    @Test
    void given_a_home_whose_parent_is_a_regular_file_when_opened_then_the_error_names_the_home() throws Exception {
        Path file = home.resolve("not-a-directory");
        Files.writeString(file, "data");
        Path impossibleHome = file.resolve("home");

        assertThatThrownBy(() -> Store.open(impossibleHome, CLOCK))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(impossibleHome.toString())
                .hasMessageContaining("Not a directory");

        assertThat(Files.readString(file)).isEqualTo("data");
    }

    @Test
    void given_a_home_that_is_a_regular_file_when_opened_then_the_error_says_it_is_not_a_directory() throws Exception {
        Path fileHome = home.resolve("home");
        Files.writeString(fileHome, "data");

        assertThatThrownBy(() -> Store.open(fileHome, CLOCK))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(fileHome.toString())
                .hasMessageContaining("not a directory");

        assertThat(Files.readString(fileHome)).isEqualTo("data");
    }

    // (d) written by a newer program

    @Test
    void given_a_database_with_a_newer_schema_when_opened_then_it_is_refused_naming_both_versions_and_left_as_is()
            throws Exception {
        fillAndClose(db(), 10);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
                Statement s = c.createStatement()) {
            s.execute("INSERT INTO schema_version VALUES (99, 'future', 0)");
        }
        Snapshot before = Snapshot.of(home);

        assertThatThrownBy(() -> Store.open(home, CLOCK))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(db().toString())
                .hasMessageContaining("schema version 99")
                .hasMessageContaining("this program's 2");

        assertThat(Snapshot.of(home)).isEqualTo(before);
    }

    @Test
    void given_a_newer_database_in_rollback_journal_mode_when_opened_then_not_even_its_header_changes()
            throws Exception {
        fillAndClose(db(), 10);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
                Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = DELETE");
            s.execute("INSERT INTO schema_version VALUES (99, 'future', 0)");
        }
        Snapshot before = Snapshot.of(home);

        assertThatThrownBy(() -> Store.open(home, CLOCK))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("schema version 99")
                .hasMessageContaining("this program's 2");

        assertThat(Snapshot.of(home)).isEqualTo(before);
    }

    // (e), (f) what is accepted

    @Test
    void given_an_empty_home_when_opened_then_the_database_file_is_created_readable_by_its_owner_only()
            throws Exception {
        try (Store store = Store.open(home, CLOCK)) {
            assertThat(store.file()).isEqualTo(db());
        }

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db())))
                .isEqualTo("rw-------");
    }

    @Test
    void given_an_empty_file_at_the_database_path_when_opened_then_it_is_migrated_and_usable() throws Exception {
        Files.createFile(db());

        try (Store store = Store.open(home, CLOCK)) {
            assertThat(store.schemaVersion()).isEqualTo(2);
            assertThat(store.inbox()
                            .insertIfAbsent(InboxEvent.of("e1", "im.message.receive_v1", "{}"))
                            .inserted())
                    .isTrue();
            Object journalMode = store.database().read(ctx -> ctx.fetchValue("PRAGMA journal_mode"));
            assertThat(journalMode).isEqualTo("wal");
        }
        try (Store store = Store.open(home, CLOCK)) {
            assertThat(store.inbox().count()).isEqualTo(1);
        }
    }

    @Test
    void given_an_up_to_date_database_when_reopened_then_no_migration_is_applied_and_the_data_is_kept()
            throws Exception {
        fillAndClose(db(), 25);
        List<List<Object>> versionsBefore = query(db(), "SELECT version, description, applied_at FROM schema_version");
        assertThat(versionsBefore).hasSize(2);

        try (Store store = Store.open(home, CLOCK)) {
            assertThat(store.schemaVersion()).isEqualTo(2);
            assertThat(store.inbox().count()).isEqualTo(25);
            assertThat(store.inbox().find("event:e7")).isPresent();
        }

        assertThat(query(db(), "SELECT version, description, applied_at FROM schema_version"))
                .isEqualTo(versionsBefore);
        assertThat(query(db(), "SELECT count(*) FROM inbox")).containsExactly(List.of(25));
    }

    @Test
    void given_a_database_that_crashed_with_commits_only_in_its_wal_when_opened_then_they_are_there() throws Exception {
        // A WAL with commits not yet checkpointed (what a killed process leaves): copy the files while the
        // writer is still open (there is no -shm: the WAL index lives in the writer's heap).
        Path crashed = home.resolve("crashed");
        Files.createDirectories(crashed);
        try (Store store = Store.open(home, CLOCK)) {
            store.database().write(ctx -> ctx.execute("PRAGMA wal_autocheckpoint = 0"));
            for (int i = 0; i < 50; i++) {
                store.inbox().insertIfAbsent(InboxEvent.of("e" + i, "im.message.receive_v1", "{}"));
            }
            assertThat(Files.size(Path.of(db() + "-wal"))).isPositive();
            for (String suffix : List.of("", "-wal")) {
                Files.copy(Path.of(db() + suffix), crashed.resolve(Store.FILE_NAME + suffix));
            }
        }

        try (Store store = Store.open(crashed, CLOCK)) {
            assertThat(store.inbox().count()).isEqualTo(50);
            Object integrity = store.database().read(ctx -> ctx.fetchValue("PRAGMA integrity_check"));
            assertThat(integrity).isEqualTo("ok");
        }
    }

    // helpers

    private static void fillAndClose(Path file, int rows) {
        try (Store store = Store.openFile(file, CLOCK)) {
            List<InboxEvent> events = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                events.add(InboxEvent.of("e" + i, "im.message.receive_v1", "{\"text\":\"" + "x".repeat(200) + i + "\"}")
                        .withMessage(
                                "om_" + i,
                                "oc_chat" + (i % 7),
                                "group",
                                "ou_sender",
                                "user",
                                "text",
                                "message " + i,
                                1_700_000_000_000L + i));
            }
            store.inbox().insertAllIfAbsent(events);
        }
    }

    private static List<List<Object>> query(Path file, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            List<List<Object>> rows = new ArrayList<>();
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    /** Every file in a directory with its size and digest: equal snapshots mean nothing was created or changed. */
    private record Snapshot(List<String> files) {
        static Snapshot of(Path dir) throws IOException {
            try (Stream<Path> list = Files.list(dir)) {
                List<String> out = new ArrayList<>();
                for (Path p : list.sorted().toList()) {
                    out.add(p.getFileName()
                            + (Files.isRegularFile(p)
                                    ? " " + Files.size(p) + " bytes sha256 " + sha256(Files.readAllBytes(p))
                                    : " (not a regular file)"));
                }
                return new Snapshot(out);
            }
        }

        private static String sha256(byte[] bytes) {
            try {
                return HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
