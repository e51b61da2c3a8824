package dev.larkhandoff.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The lark-handoff processes a harness started without holding their handles (a proxy spawns its daemon detached):
 * found by their command lines in /proc, with their CPU time; the launcher and jar they all run from; and the
 * temporary directory of their homes and logs.
 */
final class DaemonProcesses {

    private DaemonProcesses() {}

    /** Fails unless {@code launcher} exists and the shaded jar is beside it or in mcp-server/target. */
    static void requireLauncher(Path launcher) {
        Path root = launcher.toAbsolutePath().getParent();
        if (!Files.isRegularFile(launcher)) {
            throw new IllegalArgumentException("no launcher at " + launcher.toAbsolutePath());
        }
        if (!Files.isRegularFile(root.resolve("lark-handoff.jar"))
                && !Files.isRegularFile(root.resolve("mcp-server/target/lark-handoff.jar"))) {
            throw new IllegalArgumentException("no shaded jar beside " + launcher + " or in mcp-server/target: "
                    + "build it first (bench/run does)");
        }
    }

    /** Daemon processes whose {@code --home} argument satisfies {@code home}, found by their command lines. */
    static List<ProcessHandle> daemons(Predicate<String> home) {
        List<ProcessHandle> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(Path.of("/proc"))) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                String name = dir.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                List<String> args = cmdline(Long.parseLong(name));
                int h = args.indexOf("--home");
                if (args.contains("daemon") && h >= 0 && h + 1 < args.size() && home.test(args.get(h + 1))) {
                    ProcessHandle.of(Long.parseLong(name))
                            .filter(ProcessHandle::isAlive)
                            .ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The pid of the one daemon serving {@code home}, once it runs (within 10 s). */
    static long awaitDaemon(Path home) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<ProcessHandle> found = List.of();
        while (System.nanoTime() < deadline) {
            found = daemons(home.toString()::equals);
            if (found.size() == 1) {
                return found.get(0).pid();
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("expected one daemon for " + home + ", found " + found.size());
    }

    /**
     * SIGTERM to each daemon (they drain and close Lark), SIGKILL to any still there after 8 s; {@code harness}
     * names the caller in the message about a kill.
     */
    static void stop(List<ProcessHandle> daemons, String harness) {
        daemons.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : daemons) {
            try {
                p.onExit().get(8, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
                System.err.println(harness + ": killed daemon " + p.pid() + " (still there 8 s after SIGTERM)");
            }
        }
    }

    static List<String> cmdline(long pid) {
        try {
            return List.of(new String(
                            Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .split("\0"));
        } catch (IOException gone) {
            return List.of();
        }
    }

    /** A process's command line for a report, with the checkout ({@code repoRoot}) and the home made relative. */
    static String commandLine(long pid, Path home, Path repoRoot) {
        return String.join(" ", cmdline(pid)).replace(home.toString(), "<home>").replace(repoRoot.toString() + "/", "");
    }

    /** utime + stime of a process from /proc/<pid>/stat (clock ticks of 1/100 s), in seconds; NaN when gone. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** After a failure: the tail of each proxy's stderr and of the daemons' logs under {@code base}. */
    static void printLogs(Path base, String harness) {
        try (Stream<Path> files = Files.walk(base)) {
            for (Path f : files.filter(p ->
                            p.toString().endsWith(".stderr") || p.toString().endsWith(".log"))
                    .toList()) {
                List<String> lines = Files.readAllLines(f);
                System.err.println("---- " + f + " (last 40 lines)");
                lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.err::println);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println(harness + ": could not read the logs: " + e.getMessage());
        }
    }

    /** Deletes {@code base} and everything in it (once its processes are gone). */
    static void deleteTree(Path base, String harness) {
        try (Stream<Path> paths = Files.walk(base)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println(harness + ": could not delete " + base + ": " + e.getMessage());
        }
    }
}
