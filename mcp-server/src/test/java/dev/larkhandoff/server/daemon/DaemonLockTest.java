package dev.larkhandoff.server.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.ipc.FrameDecoder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One daemon per home, with real processes racing for it. */
class DaemonLockTest {

    @TempDir
    Path home;

    private static Process child(Path home) throws Exception {
        return new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        DaemonLockChild.class.getName(),
                        home.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    private static String answer(Process p) throws Exception {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    @Test
    void given_10_processes_starting_at_once_then_exactly_one_becomes_the_daemon() throws Exception {
        List<Process> racers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            racers.add(child(home));
        }
        List<String> answers = new ArrayList<>();
        try {
            for (Process p : racers) {
                answers.add(answer(p));
            }
        } finally {
            // The winner held on until every racer had answered; now let everyone go.
            for (Process p : racers) {
                p.getOutputStream().close();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }

        assertThat(answers).filteredOn("won"::equals).hasSize(1);
        assertThat(answers).filteredOn("lost"::equals).hasSize(9);
    }

    @Test
    void given_the_daemon_was_killed_with_sigkill_then_the_next_one_takes_over_the_home() throws Exception {
        Process first = child(home);
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(r.readLine()).isEqualTo("won");
            first.destroyForcibly();
            assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }

        var next = DaemonLock.tryAcquire(home, FrameDecoder.DEFAULT_MAX_FRAME);

        assertThat(next)
                .as("the lock died with the process and the stale socket file is replaced")
                .isPresent();
        next.get().close();
    }

    @Test
    void given_a_live_daemon_then_another_in_the_same_process_cannot_start() throws Exception {
        try (DaemonLock held =
                DaemonLock.tryAcquire(home, FrameDecoder.DEFAULT_MAX_FRAME).orElseThrow()) {
            assertThat(DaemonLock.tryAcquire(home, FrameDecoder.DEFAULT_MAX_FRAME))
                    .isEmpty();
            assertThat(held.socket().path()).exists();
        }
        assertThat(DaemonLock.tryAcquire(home, FrameDecoder.DEFAULT_MAX_FRAME))
                .isPresent()
                .get()
                .satisfies(l -> l.close());
    }
}
