package dev.larkhandoff.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three daemons' worth of writers on one PostgreSQL database: three JVMs, each running the 16-thread race of
 * {@link ConcurrencyTest} for ten seconds at the same time, on the same four chats and the same channel. Afterwards
 * the invariants hold across all of them: no chat or session bound twice, every takeover replaced the holder it
 * expected, the ownership log is one unbroken chain and every epoch was handed out exactly once.
 */
@ExtendWith(TestPostgres.class)
class ConcurrencyAcrossProcessesTest {

    private static final int PROCESSES = 3;
    private static final Duration RUN = Duration.ofSeconds(10);
    private static final long READY_DEADLINE_SECONDS = 60;

    @TempDir
    Path dir;

    @Test
    void given_three_processes_racing_16_threads_each_on_one_database_then_every_invariant_holds() throws Exception {
        long seed = System.nanoTime();
        StoreLocation.Postgres location = TestPostgres.newDatabase();
        // Migrated once here, so that the children's start is not also a race to migrate (tested on its own).
        try (Store store = Store.open(location, Clock.systemUTC())) {
            assertThat(store.schemaVersion()).isEqualTo(2);
        }
        List<Process> children = new ArrayList<>();
        try {
            for (int p = 0; p < PROCESSES; p++) {
                children.add(start(location, p, seed));
            }
            List<CompletableFuture<List<String>>> reports = new ArrayList<>();
            for (int p = 0; p < PROCESSES; p++) {
                BufferedReader out = new BufferedReader(
                        new InputStreamReader(children.get(p).getInputStream(), StandardCharsets.UTF_8));
                String first = readLine(out, READY_DEADLINE_SECONDS);
                assertThat(first)
                        .as("child %d is ready; its stderr:%n%s", p, stderr(p))
                        .isEqualTo("ready");
                // Read from now on, while it runs: a child whose report filled the pipe would wait for ever.
                reports.add(CompletableFuture.supplyAsync(() -> out.lines().toList()));
            }
            for (Process child : children) {
                Writer go = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
                go.write("go\n");
                go.flush();
            }
            List<Race.Summary> summaries = new ArrayList<>();
            for (int p = 0; p < PROCESSES; p++) {
                Process child = children.get(p);
                List<String> lines = reports.get(p).get(RUN.toSeconds() + 60, TimeUnit.SECONDS);
                assertThat(child.waitFor(30, TimeUnit.SECONDS))
                        .as("child %d finished", p)
                        .isTrue();
                assertThat(child.exitValue())
                        .as("child %d's exit status; its stderr:%n%s", p, stderr(p))
                        .isZero();
                assertThat(lines).as("child %d reported to the end", p).endsWith("done");
                summaries.add(Race.Summary.parse(lines.subList(0, lines.size() - 1)));
            }

            try (Store store = Store.open(location, Clock.systemUTC())) {
                System.err.printf(
                        "ConcurrencyAcrossProcessesTest: %d processes, %d operations, %d channel changes (%d of owner),"
                                + " %d takeovers, final epoch %d, seed %d%n",
                        PROCESSES,
                        summaries.stream().mapToLong(Race.Summary::operations).sum(),
                        summaries.stream().mapToLong(Race.Summary::changes).sum(),
                        summaries.stream()
                                .mapToLong(s -> s.epochsHandedOut().size())
                                .sum(),
                        summaries.stream().mapToLong(s -> s.takeovers().size()).sum(),
                        store.channel().current().leaseEpoch(),
                        seed);
                Race.assertInvariants(store, summaries, PROCESSES + " processes, seed " + seed);
            }
        } finally {
            for (Process child : children) {
                child.destroyForcibly();
            }
        }
    }

    private Process start(StoreLocation.Postgres location, int p, long seed) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(
                        System.getProperty("java.home") + "/bin/java",
                        "-XX:TieredStopAtLevel=1",
                        "-XX:+UseSerialGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        RaceChild.class.getName(),
                        "p" + p + "-s",
                        Long.toString(RUN.toSeconds()),
                        Long.toString(seed + 1000L * p))
                .redirectError(ProcessBuilder.Redirect.to(
                        dir.resolve("child-" + p + ".err").toFile()));
        builder.environment().put(RaceChild.URL_VARIABLE, location.urlWithPassword());
        return builder.start();
    }

    private static String readLine(BufferedReader in, long seconds) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
                    try {
                        return in.readLine();
                    } catch (IOException e) {
                        return "(unreadable: " + e + ")";
                    }
                })
                .get(seconds, TimeUnit.SECONDS);
    }

    private String stderr(int p) {
        try {
            String text = Files.readString(dir.resolve("child-" + p + ".err"));
            return text.length() <= 4000 ? text : "…" + text.substring(text.length() - 4000);
        } catch (IOException e) {
            return "(none)";
        }
    }
}
