package dev.larkhandoff.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.store.inbox.InboxEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store whose disk fills up under it: a real 2 MiB tmpfs, filled with a ballast file, then emptied again. The
 * store refuses the writes with an error (not a crash of the JVM), says since when and why, and takes writes
 * again once there is room.
 */
class UnwritableStoreTest {

    @TempDir
    Path dir;

    private Path mount;
    private boolean mounted;

    @BeforeEach
    void tinyDisk() throws Exception {
        Assumptions.assumeTrue(
                "root".equals(System.getProperty("user.name")),
                "mounting a tmpfs needs root; running as " + System.getProperty("user.name"));
        mount = Files.createDirectory(dir.resolve("disk"));
        int status = run("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mount.toString());
        Assumptions.assumeTrue(status == 0, "cannot mount a tmpfs here (mount exited " + status + ")");
        mounted = true;
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            run("umount", "-l", mount.toString());
        }
    }

    @Test
    void
            given_a_full_disk_when_events_are_written_then_each_write_is_refused_the_store_says_why_and_recovers_when_room_comes_back()
                    throws Exception {
        Instant now = Instant.parse("2025-03-01T10:00:00Z");
        try (Store store = Store.open(mount.resolve("home"), Clock.fixed(now, ZoneOffset.UTC))) {
            store.inbox().insertIfAbsent(event("before"));
            assertThat(store.health().writable()).isTrue();
            Path ballast = fill(mount.resolve("ballast"));

            int refused = 0;
            for (int i = 0; i < 200; i++) {
                try {
                    store.inbox().insertIfAbsent(event("while-full-" + i + "-" + "x".repeat(4000)));
                } catch (StoreException e) {
                    assertThat(e).isInstanceOf(StoreUnwritableException.class);
                    refused++;
                }
            }

            assertThat(refused).as("writes refused on the full disk").isPositive();
            StoreHealth health = store.health();
            assertThat(health.writable()).isFalse();
            assertThat(health.unwritableSince()).isEqualTo(now);
            assertThat(health.problem()).containsIgnoringCase("full");
            assertThat(store.probeWrite().writable())
                    .as("the probe still fails while the disk is full")
                    .isFalse();
            assertThat(store.inbox().find("event:before"))
                    .as("reads still work")
                    .isPresent();

            Files.delete(ballast);
            assertThat(store.probeWrite().writable())
                    .as("the probe succeeds once there is room")
                    .isTrue();
            assertThat(store.health().problem()).isNull();
            assertThat(store.inbox().insertIfAbsent(event("after")).inserted()).isTrue();
        }
        try (Store reopened = Store.open(mount.resolve("home"), Clock.systemUTC())) {
            assertThat(reopened.inbox().find("event:after")).isPresent();
            assertThat(reopened.inbox().find("event:before")).isPresent();
        }
    }

    @Test
    void given_a_store_in_use_then_no_shared_memory_file_is_mapped() {
        try (Store store = Store.open(mount.resolve("home"), Clock.systemUTC())) {
            store.inbox().insertIfAbsent(event("one"));
            assertThat(store.inbox().find("event:one")).isPresent();

            assertThat(mount.resolve("home").resolve(Store.FILE_NAME + "-shm"))
                    .as("the WAL index lives in the heap: nothing to SIGBUS on when the disk fills")
                    .doesNotExist();
        }
    }

    private static InboxEvent event(String id) {
        return InboxEvent.of(id, "im.message.receive_v1", "{\"id\":\"" + id + "\"}");
    }

    /** Writes until the file system says it is full. */
    private static Path fill(Path file) throws IOException {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("space")) {
                throw full;
            }
        }
        return file;
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
