package dev.larkhandoff.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Files made immutable with {@code chattr +i}, the way a full or read-only disk refuses writes without any mock:
 * even root cannot write them until {@link #release}. Needs root and a file system with the attribute.
 */
public final class ImmutableFiles {

    private final List<Path> locked;

    private ImmutableFiles(List<Path> locked) {
        this.locked = locked;
    }

    /** Skips the test, saying why, where {@code chattr +i} cannot be used in {@code dir}. */
    public static void assumeSupported(Path dir) throws IOException, InterruptedException {
        Assumptions.assumeTrue(
                "root".equals(System.getProperty("user.name")),
                "chattr +i needs root (CAP_LINUX_IMMUTABLE); running as " + System.getProperty("user.name"));
        Path probe = Files.createTempFile(dir, "chattr-probe", "");
        try {
            int set = chattr("+i", probe);
            Assumptions.assumeTrue(set == 0, "the file system of " + dir + " does not support chattr +i");
            boolean refused;
            try {
                Files.writeString(probe, "x");
                refused = false;
            } catch (IOException expected) {
                refused = true;
            }
            chattr("-i", probe);
            Assumptions.assumeTrue(refused, "an immutable file in " + dir + " still took a write");
        } finally {
            chattr("-i", probe);
            Files.deleteIfExists(probe);
        }
    }

    /** Makes those of {@code names} that exist in {@code dir} immutable. */
    public static ImmutableFiles lock(Path dir, String... names) throws IOException, InterruptedException {
        List<Path> locked = new ArrayList<>();
        for (String name : names) {
            Path f = dir.resolve(name);
            if (Files.exists(f)) {
                if (chattr("+i", f) != 0) {
                    throw new IOException("chattr +i " + f + " failed");
                }
                locked.add(f);
            }
        }
        return new ImmutableFiles(locked);
    }

    /** Makes the files writable again (idempotent). */
    public void release() {
        for (Path f : locked) {
            try {
                chattr("-i", f);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("chattr -i " + f + " failed; remove the attribute by hand", e);
            }
        }
    }

    private static int chattr(String flag, Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("chattr", flag, file.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
