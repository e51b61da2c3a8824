package dev.larkhandoff.store.inbox;

import static dev.larkhandoff.store.jooq.Tables.INBOX;
import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.store.Store;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.Record2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writing process with SIGKILL at random moments, twenty times over one database file: whatever it was
 * told had committed is there afterwards, the file opens and checks clean every time, and nothing is stored twice.
 *
 * <p>The kill times come from a {@link Random} whose starting value is printed in every failure message;
 * {@code -Dlark.crash.seed=<value>} replays the same kill times (the child's own timing still varies).
 */
class InboxCrashTest {

    private static final int ROUNDS = 20;
    private static final long MIN_RUN_MILLIS = 50;
    private static final long MAX_RUN_MILLIS = 600;
    private static final long START_DEADLINE_SECONDS = 30;
    private static final Pattern LINE = Pattern.compile("(committed|delivered) (event:r(\\d+)-\\d+)");

    @TempDir
    Path dir;

    @Test
    void
            given_a_child_writing_to_the_inbox_when_it_is_killed_twenty_times_then_every_reported_commit_survives_in_a_clean_file()
                    throws Exception {
        long seed = Long.getLong("lark.crash.seed", new SecureRandom().nextLong());
        System.out.println("InboxCrashTest seed " + seed);
        try {
            run(seed);
        } catch (AssertionError | Exception e) {
            throw new AssertionError(
                    "crash test failed with seed " + seed + " (replay the kill times with" + " -Dlark.crash.seed="
                            + seed + "): " + e.getMessage(),
                    e);
        }
    }

    private void run(long seed) throws Exception {
        Random random = new Random(seed);
        Path home = dir.resolve("home");
        Path childErr = dir.resolve("child-stderr.log");
        Set<String> allCommitted = new HashSet<>();
        Set<String> allDelivered = new HashSet<>();

        for (int round = 0; round < ROUNDS; round++) {
            long runMillis = MIN_RUN_MILLIS + random.nextInt((int) (MAX_RUN_MILLIS - MIN_RUN_MILLIS + 1));
            Report report = killWhileWriting(home, round, seed, runMillis, childErr);
            allCommitted.addAll(report.committed);
            allDelivered.addAll(report.delivered);

            String where = "round " + round + " (killed after " + runMillis + " ms of writing, child reported "
                    + report.committed.size() + " commits and " + report.delivered.size() + " deliveries)";
            try (Store store = Store.open(home, Clock.systemUTC())) {
                Object integrity = store.database().read(ctx -> ctx.fetchValue("PRAGMA integrity_check"));
                assertThat(integrity).as("integrity_check after " + where).isEqualTo("ok");

                // NOT INDEXED: read the table itself, not the unique index that would hide a duplicate row.
                List<Record2<String, String>> rows = store.database()
                        .read(ctx -> ctx.resultQuery("SELECT dedupe_key, delivery_state FROM inbox NOT INDEXED")
                                .coerce(INBOX.DEDUPE_KEY, INBOX.DELIVERY_STATE)
                                .fetch());
                Map<String, String> stateByKey = new HashMap<>();
                List<String> duplicates = new ArrayList<>();
                for (Record2<String, String> row : rows) {
                    if (stateByKey.put(row.value1(), row.value2()) != null) {
                        duplicates.add(row.value1());
                    }
                }
                assertThat(duplicates).as("keys stored twice after " + where).isEmpty();

                assertThat(missing(allCommitted, stateByKey.keySet()))
                        .as("keys reported committed but absent after " + where)
                        .isEmpty();
                List<String> notDelivered = allDelivered.stream()
                        .filter(k -> !DeliveryState.DELIVERED.column().equals(stateByKey.get(k)))
                        .sorted()
                        .toList();
                assertThat(notDelivered)
                        .as("keys reported delivered but not delivered after " + where)
                        .isEmpty();

                // The kill can fall between a commit and its report, so at most one transaction's keys of
                // this round may be in the file unreported; more would mean the report was read incompletely.
                String prefix = "event:r" + round + "-";
                List<String> unreported = stateByKey.keySet().stream()
                        .filter(k -> k.startsWith(prefix) && !report.committed.contains(k))
                        .sorted()
                        .toList();
                assertThat(unreported.size())
                        .as("keys committed but not reported in " + where + ": " + unreported)
                        .isLessThanOrEqualTo(InboxWriterChild.MAX_BATCH);
                String nextPrefix = "event:r" + (round + 1) + "-";
                assertThat(stateByKey.keySet().stream().filter(k -> k.startsWith(nextPrefix)))
                        .as("keys of a round not yet run")
                        .isEmpty();
            }
        }
        assertThat(allCommitted).as("commits reported over all rounds").hasSizeGreaterThan(ROUNDS);
        System.out.println("InboxCrashTest: " + allCommitted.size() + " commits and " + allDelivered.size()
                + " deliveries reported over " + ROUNDS + " kills, all present");
    }

    /** Starts the child, lets it write for {@code runMillis} after its first report, kills it, reads its report. */
    private Report killWhileWriting(Path home, int round, long seed, long runMillis, Path childErr) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                        System.getProperty("java.home") + "/bin/java",
                        // Quicker to start on a small machine; it still writes thousands of rows a second.
                        "-XX:TieredStopAtLevel=1",
                        "-XX:+UseSerialGC",
                        // sqlite-jdbc unpacks its native library per process and a killed one cannot delete it.
                        "-Dorg.sqlite.tmpdir=" + dir.resolve("native"),
                        "-cp",
                        System.getProperty("java.class.path"),
                        InboxWriterChild.class.getName(),
                        home.toString(),
                        Integer.toString(round),
                        Long.toString(seed))
                .redirectError(ProcessBuilder.Redirect.appendTo(childErr.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Files.createDirectories(dir.resolve("native"));
        long startNanos = System.nanoTime();
        Process process = builder.start();
        ChildOutput output = new ChildOutput(process.getInputStream());
        Thread reader = new Thread(output, "child-stdout-r" + round);
        reader.setDaemon(true);
        reader.start();
        try {
            boolean writing = output.firstLine.await(START_DEADLINE_SECONDS, TimeUnit.SECONDS);
            assertThat(writing)
                    .as(
                            "round %d: the child reported a first commit within %d s (alive: %s); its stderr:%n%s",
                            round, START_DEADLINE_SECONDS, process.isAlive(), tail(childErr))
                    .isTrue();
            long startupMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            System.out.printf(
                    "round %d: first commit reported %d ms after start, killing %d ms later%n",
                    round, startupMillis, runMillis);
            Thread.sleep(runMillis);
            assertThat(process.isAlive())
                    .as("round %d: the child is still writing when killed; its stderr:%n%s", round, tail(childErr))
                    .isTrue();
            // SIGKILL on Linux, through the ProcessHandle: Process.destroyForcibly() would also close our end of
            // the child's stdout, throwing away the lines still in the pipe (and failing the reader with
            // "Stream closed"), which are exactly the last commits this test must check.
            assertThat(process.toHandle().destroyForcibly())
                    .as("round %d: SIGKILL sent", round)
                    .isTrue();
        } finally {
            if (process.isAlive() && !process.toHandle().destroyForcibly()) {
                process.destroyForcibly();
            }
        }
        assertThat(process.waitFor(30, TimeUnit.SECONDS))
                .as("round %d: the child is gone after SIGKILL", round)
                .isTrue();
        assertThat(process.exitValue())
                .as("round %d: exit status of a SIGKILLed process (128 + 9)", round)
                .isEqualTo(137);
        // Its stdout to the end: every line it managed to write before the kill, then EOF.
        reader.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(reader.isAlive())
                .as("round %d: the child's stdout reached EOF", round)
                .isFalse();
        if (output.failure != null) {
            throw new UncheckedIOException("reading the child's stdout", output.failure);
        }
        return Report.parse(output.text(), round);
    }

    private static List<String> missing(Set<String> expected, Set<String> present) {
        return expected.stream().filter(k -> !present.contains(k)).sorted().toList();
    }

    private static String tail(Path file) {
        try {
            if (!Files.exists(file)) {
                return "(none)";
            }
            String text = Files.readString(file);
            return text.length() <= 4000 ? text : "…" + text.substring(text.length() - 4000);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** Everything the child wrote to stdout, gathered until EOF; the first complete line releases the timer. */
    private static final class ChildOutput implements Runnable {
        private final InputStream in;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CountDownLatch firstLine = new CountDownLatch(1);
        private volatile IOException failure;

        ChildOutput(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[64 * 1024];
            try (in) {
                for (int n; (n = in.read(buffer)) != -1; ) {
                    synchronized (bytes) {
                        bytes.write(buffer, 0, n);
                    }
                    for (int i = 0; i < n && firstLine.getCount() > 0; i++) {
                        if (buffer[i] == '\n') {
                            firstLine.countDown();
                        }
                    }
                }
            } catch (IOException e) {
                failure = e;
            } finally {
                firstLine.countDown();
            }
        }

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }
    }

    /** The keys the child reported; a last line cut off by the kill (no newline) was not reported. */
    private record Report(Set<String> committed, Set<String> delivered) {
        static Report parse(String text, int round) {
            Set<String> committed = new HashSet<>();
            Set<String> delivered = new HashSet<>();
            String complete = text.substring(0, text.lastIndexOf('\n') + 1);
            for (String line : complete.isEmpty() ? new String[0] : complete.split("\n", -1)) {
                if (line.isEmpty()) {
                    continue; // after the last newline
                }
                Matcher m = LINE.matcher(line);
                assertThat(m.matches())
                        .as(
                                "round %d: a line on the child's stdout that is not a report: '%s'"
                                        + " (its stdout must carry nothing else)",
                                round, line)
                        .isTrue();
                assertThat(Integer.parseInt(m.group(3)))
                        .as("round of key in '%s'", line)
                        .isEqualTo(round);
                boolean isNew = (m.group(1).equals("committed") ? committed : delivered).add(m.group(2));
                assertThat(isNew)
                        .as("round %d: reported twice: '%s'", round, line)
                        .isTrue();
            }
            return new Report(committed, delivered);
        }
    }
}
