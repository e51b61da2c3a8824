package dev.larkhandoff.server.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The daemon's failed starts in a row, kept in {@code <home>/logs/daemon-start-failures} (count, time of the last,
 * its cause) so that every proxy of the home backs off together: after n failures the next start waits
 * 2 s · 2^(n-1), at most a minute, instead of every proxy respawning a failing JVM every two seconds.
 */
record StartFailures(int count, Instant last, String cause) {

    static final String FILE_NAME = "daemon-start-failures";
    static final Duration FIRST_WAIT = Duration.ofSeconds(2);
    static final Duration MAX_WAIT = Duration.ofMinutes(1);
    static final StartFailures NONE = new StartFailures(0, null, null);

    static Path file(Path home) {
        return home.resolve("logs").resolve(FILE_NAME);
    }

    /** What the file says; none when it is absent or unreadable (a torn file must not block starts for good). */
    static StartFailures read(Path home) {
        Path f = file(home);
        if (!Files.isRegularFile(f)) {
            return NONE;
        }
        try {
            List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            int count = Integer.parseInt(value(lines, "count"));
            Instant last = Instant.parse(value(lines, "last"));
            return new StartFailures(count, last, value(lines, "cause"));
        } catch (IOException | RuntimeException e) {
            return NONE;
        }
    }

    private static String value(List<String> lines, String key) {
        return lines.stream()
                .filter(l -> l.startsWith(key + "="))
                .map(l -> l.substring(key.length() + 1))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no " + key));
    }

    /** How long after the last failure the next start may be tried. */
    Duration backoff() {
        if (count <= 0) {
            return Duration.ZERO;
        }
        Duration d = FIRST_WAIT.multipliedBy(1L << Math.min(count - 1, 10));
        return d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : d;
    }

    /** When the next start may be tried (now or earlier when there is nothing to wait for). */
    Instant nextAttempt() {
        return last == null ? Instant.EPOCH : last.plus(backoff());
    }

    /** One more failure, written for the other proxies (atomically: they read it without a lock). */
    static StartFailures record(Path home, StartFailures before, Instant at, String cause) throws IOException {
        StartFailures now = new StartFailures(before.count + 1, at, cause.replaceAll("[\\r\\n]+", " "));
        Path f = file(home);
        Files.createDirectories(f.getParent());
        Path tmp = f.resolveSibling(FILE_NAME + ".tmp");
        Files.writeString(
                tmp,
                "count=" + now.count + "\nlast=" + now.last + "\ncause=" + now.cause + "\n",
                StandardCharsets.UTF_8);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return now;
    }

    /** A daemon answered: the series is over. */
    static void clear(Path home) throws IOException {
        Files.deleteIfExists(file(home));
    }
}
