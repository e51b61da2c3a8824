package dev.larkhandoff.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * bench/RESULTS.md, shared by the harnesses: each one replaces only its own section, between
 * {@code <!-- bench:<name>:start -->} and {@code <!-- bench:<name>:end -->}, and leaves the other sections as they
 * were. Every section opens with one line saying when, on what machine and on which Java it was measured, and how
 * much CPU other processes took meanwhile (a sign of noise). Open it when the harness starts and write the section
 * when it ends: that span is the one measured.
 */
final class ResultsFile {

    private static final String PREAMBLE = """
            # Benchmark results

            Produced by `bench/run` (all harnesses; `bench/run lark`, `bench/run store`, `bench/run daemon`, \
            `bench/run loop` or `bench/run hooks` for one). Each harness rewrites only its own section below, \
            between its `<!-- bench:<name>:start/end -->` markers, so the sections may come from different runs: \
            each says when and where it was measured.
            """;

    /** USER_HZ, the unit of /proc/stat: 100 on every Linux architecture Java runs on. */
    private static final int JIFFIES_PER_SECOND = 100;

    private final Path file;
    private final ZonedDateTime started;
    private final long startNanos = System.nanoTime();
    private final long startBusyJiffies = busyJiffies();
    private final long startProcessCpuNanos = processCpuNanos();
    private java.util.function.DoubleSupplier childrenCpuSeconds = () -> 0;

    private ResultsFile(Path file) {
        this.file = file;
        this.started = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
    }

    static ResultsFile open(Path file) {
        return new ResultsFile(file);
    }

    /**
     * Counts the CPU seconds that processes the harness started used (since it opened this file) as its own, not
     * as other processes' load.
     */
    void childrenCpu(java.util.function.DoubleSupplier seconds) {
        this.childrenCpuSeconds = seconds;
    }

    /**
     * Replaces section {@code name} of the file with a {@code ## title} heading, the environment line and
     * {@code body}; appends the section when the file has none yet. Prints the section too.
     */
    void writeSection(String name, String title, String body) throws IOException {
        String section =
                start(name) + "\n## " + title + "\n\n" + environment() + "\n\n" + body.strip() + "\n" + end(name);
        String existing = Files.exists(file) ? Files.readString(file) : "";
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, replaceSection(existing, name, section));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.err.println(section);
    }

    /** {@code existing} with section {@code name} replaced by {@code section} (which includes its markers). */
    static String replaceSection(String existing, String name, String section) {
        if (!existing.contains("<!-- bench:")) {
            // No file yet, or the layout from before sections (all of it LarkBench's): start afresh.
            return PREAMBLE + "\n" + section + "\n";
        }
        String start = start(name);
        String end = end(name);
        int from = existing.indexOf(start);
        if (from < 0) {
            return existing.stripTrailing() + "\n\n" + section + "\n";
        }
        int to = existing.indexOf(end, from);
        if (to < 0) {
            throw new IllegalStateException("the results file has " + start + " but no " + end + " after it");
        }
        if (existing.indexOf(start, to) >= 0) {
            throw new IllegalStateException("the results file has " + start + " more than once");
        }
        return existing.substring(0, from) + section + existing.substring(to + end.length());
    }

    private String environment() {
        long maxHeap = Runtime.getRuntime().maxMemory();
        List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments();
        return String.format(
                Locale.ROOT,
                "**Run** %s · **machine** %s · **Java** %s %s, max heap %.1f GiB%s%s",
                DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(started),
                machine(),
                System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"),
                maxHeap / (1024.0 * 1024 * 1024),
                flags.isEmpty() ? "" : ", flags " + String.join(" ", flags),
                otherLoad());
    }

    /**
     * The CPU that everything but this JVM (and the processes it started, see {@link #childrenCpu}) used since the
     * start, as a share of all cores; empty when unknown.
     */
    private String otherLoad() {
        long busy = busyJiffies();
        if (busy < 0 || startBusyJiffies < 0) {
            return "";
        }
        double wall = (System.nanoTime() - startNanos) / 1e9;
        double busySeconds = (busy - startBusyJiffies) / (double) JIFFIES_PER_SECOND;
        double ours = (processCpuNanos() - startProcessCpuNanos) / 1e9 + childrenCpuSeconds.getAsDouble();
        double share =
                Math.max(0, busySeconds - ours) / (wall * Runtime.getRuntime().availableProcessors());
        return String.format(Locale.ROOT, " · **other processes** used %.0f%% of the CPU meanwhile", 100 * share);
    }

    /** Busy CPU time of the whole machine (user, nice, system, irq, softirq), from /proc/stat; -1 off Linux. */
    private static long busyJiffies() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            return Long.parseLong(f[1])
                    + Long.parseLong(f[2])
                    + Long.parseLong(f[3])
                    + Long.parseLong(f[6])
                    + Long.parseLong(f[7]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse(cpu);
        } catch (IOException e) {
            // not Linux: keep "unknown CPU"
        }
        long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        return String.format(
                Locale.ROOT,
                "%d cores, %.0f GiB, %s, %s %s",
                Runtime.getRuntime().availableProcessors(),
                memory / (1024.0 * 1024 * 1024),
                cpu,
                System.getProperty("os.name"),
                System.getProperty("os.version"));
    }

    private static String start(String name) {
        return "<!-- bench:" + name + ":start -->";
    }

    private static String end(String name) {
        return "<!-- bench:" + name + ":end -->";
    }
}
