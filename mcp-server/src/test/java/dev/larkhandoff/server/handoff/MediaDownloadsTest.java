package dev.larkhandoff.server.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.Ids;
import dev.larkhandoff.emulator.model.EmuResource;
import dev.larkhandoff.server.workspace.WorkspaceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Downloads of what people send (images and files, read as message resources; a file name cannot climb out of the
 * directory) from the emulator into {@code <home>/downloads}.
 */
class MediaDownloadsTest {

    private static final byte[] BYTES = "%PDF-1.7 not really".getBytes(StandardCharsets.UTF_8);

    @RegisterExtension
    final RecordedLark world = new RecordedLark();

    private MediaDownloads downloads;
    private Path directory;

    @BeforeEach
    void start() {
        downloads = new MediaDownloads(world.client.resources(), world.home, MediaDownloads.Limits.DEFAULT);
        directory = world.home.resolve("downloads").toAbsolutePath();
    }

    /**
     * Someone sends a file whose message names it {@code name}; returns {message id, file key, file name as the
     * stored reply carries it}. The emulator's own copy keeps a plain name, because it echoes that name in a
     * Content-Disposition header, where control characters cannot go.
     */
    private String[] fileSent(byte[] bytes, String name) {
        EmuResource file = world.lark
                .state()
                .putResource(new EmuResource(
                        Ids.fileKey(), "file", bytes, "upload.bin", "stream", "application/octet-stream"));
        String id = world.sends(
                world.operator,
                "file",
                EmuJson.object().put("file_key", file.key()).put("file_name", name),
                List.of());
        HandoffReply reply = HandoffReply.fromInbox(world.row(id).event()).orElseThrow();
        return new String[] {reply.messageId(), reply.fileKey(), reply.fileName()};
    }

    private String[] imageSent(byte[] bytes, String contentType) {
        EmuResource image = world.lark
                .state()
                .putResource(new EmuResource(Ids.imageKey(), "image", bytes, "photo", null, contentType));
        String id = world.sends(world.operator, "image", EmuJson.object().put("image_key", image.key()), List.of());
        return new String[] {id, image.key()};
    }

    /** Every file under the home but the store's own. */
    private List<Path> filesUnderHome() throws IOException {
        try (Stream<Path> all = Files.walk(world.home)) {
            return all.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("lark-handoff.db"))
                    .toList();
        }
    }

    @Test
    void given_downloads_older_than_a_day_when_pruning_then_only_those_go() throws Exception {
        java.nio.file.Files.createDirectories(downloads.directory());
        Path old = java.nio.file.Files.writeString(downloads.directory().resolve("old.txt"), "old");
        Path fresh = java.nio.file.Files.writeString(downloads.directory().resolve("fresh.txt"), "fresh");
        java.time.Instant now = java.time.Instant.parse("2026-12-03T12:00:00Z");
        java.nio.file.Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.from(now.minusSeconds(90_000)));
        java.nio.file.Files.setLastModifiedTime(fresh, java.nio.file.attribute.FileTime.from(now.minusSeconds(3_600)));

        assertThat(downloads.prune(java.time.Duration.ofDays(1), now)).isEqualTo(1);

        assertThat(old).doesNotExist();
        assertThat(fresh).exists();
    }

    @Test
    void given_an_image_then_it_is_saved_under_its_key_with_the_bytes_sent() throws IOException {
        String[] sent = imageSent(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, "image/png");

        Path saved = downloads.downloadImage(sent[0], sent[1]);

        assertThat(saved).isEqualTo(directory.resolve(sent[1] + ".png"));
        assertThat(Files.readAllBytes(saved)).containsExactly(0x89, 'P', 'N', 'G');
        assertThat(filesUnderHome()).containsExactly(saved);
    }

    @Test
    void given_a_jpeg_then_it_is_named_for_what_it_is() throws IOException {
        String[] sent = imageSent(new byte[] {(byte) 0xFF, (byte) 0xD8}, "image/jpeg");

        Path saved = downloads.downloadImage(sent[0], sent[1]);

        assertThat(saved.getFileName().toString()).isEqualTo(sent[1] + ".jpg");
        assertThat(filesUnderHome()).containsExactly(saved);
    }

    @Test
    void given_a_file_then_it_keeps_the_name_it_was_sent_with() throws IOException {
        String[] sent = fileSent(BYTES, "design notes.pdf");

        Path saved = downloads.downloadFile(sent[0], sent[1], "design notes.pdf");

        assertThat(saved).isEqualTo(directory.resolve("design notes.pdf"));
        assertThat(Files.readAllBytes(saved)).isEqualTo(BYTES);
    }

    @Test
    void given_the_same_name_twice_then_the_second_is_numbered_and_the_first_untouched() throws IOException {
        String[] first = fileSent("one".getBytes(StandardCharsets.UTF_8), "log.txt");
        String[] second = fileSent("two".getBytes(StandardCharsets.UTF_8), "log.txt");

        Path a = downloads.downloadFile(first[0], first[1], "log.txt");
        Path b = downloads.downloadFile(second[0], second[1], "log.txt");

        assertThat(List.of(a.getFileName().toString(), b.getFileName().toString()))
                .containsExactly("log.txt", "log-1.txt");
        assertThat(Files.readString(a)).isEqualTo("one");
        assertThat(Files.readString(b)).isEqualTo("two");
    }

    @Test
    void given_no_name_then_the_file_is_named_after_its_key() {
        String[] sent = fileSent(BYTES, "x.bin");

        Path saved = downloads.downloadFile(sent[0], sent[1], null);

        assertThat(saved.getFileName().toString()).isEqualTo(sent[1]);
    }

    @Test
    void given_a_posix_system_then_the_directory_is_private() throws IOException {
        String[] sent = fileSent(BYTES, "a.txt");

        downloads.downloadFile(sent[0], sent[1], "a.txt");

        if (Files.getFileStore(world.home).supportsFileAttributeView("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)))
                    .isEqualTo("rwx------");
        }
    }

    /** Names a sender chose to break out of the directory or to fool a reader; each lands inside, renamed. */
    @Nested
    class HostileNames {

        static Stream<Arguments> names() {
            return Stream.of(
                    Arguments.of("../../etc/passwd", "passwd"),
                    Arguments.of("..\\..\\windows\\win.ini", "win.ini"),
                    Arguments.of("..\\x", "x"),
                    Arguments.of("/etc/shadow", "shadow"),
                    Arguments.of("C:\\Windows\\System32\\evil.exe", "evil.exe"),
                    Arguments.of("a\u0000b.txt", "ab.txt"),
                    Arguments.of("line\nbreak\r\t.txt", "linebreak.txt"),
                    Arguments.of(".bashrc", "bashrc"),
                    Arguments.of("invoice\u202Efdp.exe", "invoicefdp.exe"),
                    Arguments.of("rm -rf ~;$(reboot)|x.sh", "rm -rf ___(reboot)_x.sh"),
                    Arguments.of("notes. . .", "notes"),
                    Arguments.of("archive.tar.gz", "archive.tar.gz"),
                    Arguments.of("odd.ext!!", "odd.ext__"),
                    Arguments.of("résumé 2024.pdf", "résumé 2024.pdf"));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("names")
        void given_a_hostile_name_then_the_file_lands_directly_in_downloads_under_a_safe_name(
                String hostile, String expected) throws IOException {
            String[] sent = fileSent(BYTES, hostile);
            assertThat(sent[2])
                    .as("the name reaches the download as the message carried it")
                    .isEqualTo(hostile);

            Path saved = downloads.downloadFile(sent[0], sent[1], sent[2]);

            assertThat(saved.getParent()).isEqualTo(directory);
            assertThat(saved.getFileName().toString()).isEqualTo(expected);
            assertThat(Files.readAllBytes(saved)).isEqualTo(BYTES);
            assertThat(filesUnderHome()).containsExactly(saved);
        }

        @Test
        void given_a_name_of_only_dots_then_the_file_is_named_after_its_key() throws IOException {
            for (String dots : List.of("..", "...", ". .", "/..")) {
                String[] sent = fileSent(BYTES, dots);

                Path saved = downloads.downloadFile(sent[0], sent[1], sent[2]);

                assertThat(saved.getParent()).isEqualTo(directory);
                assertThat(saved.getFileName().toString()).isEqualTo(sent[1]);
            }
        }

        @Test
        void given_a_very_long_name_then_it_is_cut_to_fit_keeping_its_extension() {
            String[] ascii = fileSent(BYTES, "a".repeat(1000) + ".txt");
            String[] wide = fileSent(BYTES, "文".repeat(300) + ".pdf");

            Path a = downloads.downloadFile(ascii[0], ascii[1], "a".repeat(1000) + ".txt");
            Path b = downloads.downloadFile(wide[0], wide[1], "文".repeat(300) + ".pdf");

            for (Path p : List.of(a, b)) {
                assertThat(p.getParent()).isEqualTo(directory);
                assertThat(p.getFileName().toString().getBytes(StandardCharsets.UTF_8))
                        .hasSizeLessThanOrEqualTo(200);
                assertThat(p).exists();
            }
            assertThat(a.getFileName().toString()).endsWith("aaa.txt");
            assertThat(b.getFileName().toString()).endsWith("文文.pdf");
        }

        @Test
        void given_a_long_name_taken_many_times_then_every_copy_stays_within_the_limit() {
            String name = "b".repeat(400) + ".log";
            for (int i = 0; i < 3; i++) {
                String[] sent = fileSent(BYTES, name);
                Path saved = downloads.downloadFile(sent[0], sent[1], name);
                assertThat(saved.getFileName().toString().getBytes(StandardCharsets.UTF_8))
                        .hasSizeLessThanOrEqualTo(255);
                assertThat(saved.getParent()).isEqualTo(directory);
            }
            assertThat(directory.toFile().list()).hasSize(3);
        }
    }

    @Nested
    class Refusals {

        @Test
        void given_a_file_over_the_limit_then_it_is_refused_naming_the_limit_and_nothing_is_left() throws IOException {
            MediaDownloads small =
                    new MediaDownloads(world.client.resources(), world.home, new MediaDownloads.Limits(1024, 1024));
            String[] sent = fileSent(new byte[4096], "big.bin");

            assertThatThrownBy(() -> small.downloadFile(sent[0], sent[1], "big.bin"))
                    .isInstanceOfSatisfying(
                            HandoffException.class,
                            e -> assertThat(e.problem()).isEqualTo(HandoffException.Problem.TOO_LARGE))
                    .hasMessageContaining("download limit of 1024 bytes")
                    .hasMessageContaining(sent[1]);
            assertThat(filesUnderHome()).isEmpty();
        }

        @Test
        void given_an_image_over_the_default_limit_then_it_is_refused_naming_the_limit_in_megabytes()
                throws IOException {
            String[] sent = imageSent(new byte[10 * 1024 * 1024 + 1], "image/png");

            assertThatThrownBy(() -> downloads.downloadImage(sent[0], sent[1]))
                    .isInstanceOf(HandoffException.class)
                    .hasMessageContaining("download limit of 10 MB (10485760 bytes)");
            assertThat(filesUnderHome()).isEmpty();
        }

        @Test
        void given_an_unknown_message_then_it_is_not_found_by_id_and_nothing_is_left() throws IOException {
            String[] sent = fileSent(BYTES, "a.txt");

            assertThatThrownBy(() -> downloads.downloadFile("om_00000000000000000000000000000000", sent[1], "a.txt"))
                    .isInstanceOfSatisfying(HandoffException.class, e -> {
                        assertThat(e.problem()).isEqualTo(HandoffException.Problem.NOT_FOUND);
                        assertThat(e.larkCode()).isEqualTo(230011);
                    })
                    .hasMessageContaining("om_00000000000000000000000000000000");
            assertThat(filesUnderHome()).isEmpty();
        }

        @Test
        void given_a_key_of_another_message_then_larks_error_is_named() throws IOException {
            String[] one = fileSent(BYTES, "a.txt");
            String[] other = fileSent(BYTES, "b.txt");

            assertThatThrownBy(() -> downloads.downloadFile(one[0], other[1], "b.txt"))
                    .isInstanceOfSatisfying(HandoffException.class, e -> {
                        assertThat(e.problem()).isEqualTo(HandoffException.Problem.LARK_ERROR);
                        assertThat(e.larkCode()).isEqualTo(234003);
                    })
                    .hasMessageContaining("file_key does not belong to the message");
            assertThat(filesUnderHome()).isEmpty();
        }

        @Test
        void given_ids_that_cannot_be_larks_then_they_are_refused_by_name_before_any_call() {
            String[] sent = fileSent(BYTES, "a.txt");

            assertThatThrownBy(() -> downloads.downloadFile("../../etc", sent[1], "a.txt"))
                    .isInstanceOfSatisfying(
                            WorkspaceException.class,
                            e -> assertThat(e.problem()).isEqualTo(WorkspaceException.Problem.BAD_LARK_ID))
                    .hasMessageContaining("message_id \"../../etc\"");
            assertThatThrownBy(() -> downloads.downloadImage(sent[0], "../img\u0000"))
                    .isInstanceOf(WorkspaceException.class)
                    .hasMessageContaining("image_key \"../img\\u0000\" is not a Lark resource key");
            assertThat(world.lark.control().calls()).noneMatch(c -> c.path().contains("/resources/"));
        }
    }
}
