package dev.larkhandoff.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.server.ipc.DaemonClient;
import dev.larkhandoff.server.ipc.DaemonSocket;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.testing.TestClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real daemons spawned by the launcher from the test's classpath, as a proxy spawns them. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DaemonLauncherTest {

    @TempDir
    Path home;

    private final List<Long> daemons = new ArrayList<>();

    @AfterEach
    void stopDaemons() {
        daemons.forEach(pid -> ProcessHandle.of(pid).ifPresent(p -> {
            p.destroyForcibly();
            p.onExit().join();
        }));
    }

    @Test
    void given_a_spawned_daemon_then_it_runs_in_its_home_and_a_jvm_crash_report_would_go_to_its_logs()
            throws Exception {
        new DaemonLauncher(home, Duration.ofSeconds(60)).ensureRunning();
        long pid = daemonPid();

        assertThat(Files.readSymbolicLink(Path.of("/proc", String.valueOf(pid), "cwd")))
                .isEqualTo(home.toRealPath());
        assertThat(commandLine(pid))
                .contains(
                        "-XX:ErrorFile=" + home.toAbsolutePath().resolve("logs").resolve("hs_err_pid%p.log"));
    }

    @Test
    void given_a_daemon_that_fails_at_start_then_the_launcher_names_the_cause_and_tries_again_less_and_less_often()
            throws Exception {
        Files.writeString(home.resolve(Store.FILE_NAME), "not a database, and not empty either");
        TestClock clock = TestClock.at(Instant.parse("2025-03-01T10:00:00Z"));
        DaemonLauncher launcher = new DaemonLauncher(home, Duration.ofSeconds(60), clock);
        Path console = home.resolve("logs").resolve(DaemonLauncher.CONSOLE_LOG);

        assertThatThrownBy(launcher::ensureRunning)
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not a usable SQLite database")
                .hasMessageContaining(console.toString())
                .hasMessageContaining("next try waits 2 s");
        long spawnedOnce = Files.size(console);
        assertThat(StartFailures.read(home).count()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(1));
        assertThatThrownBy(launcher::ensureRunning)
                .as("within the back-off: no new daemon")
                .hasMessageContaining("failed to start 1 time(s)")
                .hasMessageContaining("not a usable SQLite database")
                .hasMessageContaining("not trying again before 2025-03-01T10:00:02Z");
        assertThat(Files.size(console)).as("nothing was spawned").isEqualTo(spawnedOnce);

        clock.advance(Duration.ofSeconds(1));
        assertThatThrownBy(launcher::ensureRunning)
                .hasMessageContaining("failure 2 in a row")
                .hasMessageContaining("next try waits 4 s");
        assertThat(Files.size(console))
                .as("spawned again once the back-off passed")
                .isGreaterThan(spawnedOnce);
        clock.advance(Duration.ofSeconds(3));
        assertThatThrownBy(launcher::ensureRunning).hasMessageContaining("not trying again before");

        Files.delete(home.resolve(Store.FILE_NAME));
        clock.advance(Duration.ofSeconds(1));
        launcher.ensureRunning();
        daemonPid();

        assertThat(StartFailures.file(home))
                .as("a start that worked ends the series")
                .doesNotExist();
    }

    @Test
    void given_many_failures_then_the_back_off_doubles_up_to_a_minute() {
        Instant t = Instant.parse("2025-03-01T10:00:00Z");

        assertThat(List.of(1, 2, 3, 4, 5, 6, 20).stream()
                        .map(n -> new StartFailures(n, t, "x").backoff().toSeconds()))
                .containsExactly(2L, 4L, 8L, 16L, 32L, 60L, 60L);
    }

    @Test
    void
            given_a_running_daemon_whose_socket_was_deleted_then_the_launcher_waits_for_it_to_come_back_instead_of_failing()
                    throws Exception {
        new DaemonLauncher(home, Duration.ofSeconds(60)).ensureRunning();
        long running = daemonPid();
        Files.delete(home.resolve(DaemonSocket.FILE_NAME));

        // The daemon this may spawn meets the held lock and exits; the running one puts its socket back.
        new DaemonLauncher(home, Duration.ofSeconds(60)).ensureRunning();

        assertThat(daemonPid()).as("the same daemon answers").isEqualTo(running);
        assertThat(StartFailures.file(home))
                .as("another daemon holding the lock is no start failure")
                .doesNotExist();
    }

    private long daemonPid() throws IOException {
        try (DaemonClient client = DaemonClient.probe(home, Duration.ofSeconds(5))) {
            long pid = client.daemonHello().pid();
            daemons.add(pid);
            return pid;
        }
    }

    private static String commandLine(long pid) throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline")), StandardCharsets.UTF_8)
                .replace('\0', ' ');
    }
}
