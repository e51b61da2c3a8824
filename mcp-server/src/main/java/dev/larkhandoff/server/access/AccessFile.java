package dev.larkhandoff.server.access;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import dev.larkhandoff.server.ServerJson;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code <home>/access.json}: read for every inbound message so edits apply at once, written atomically and
 * readable by its owner only. A file that cannot be parsed is moved aside (never lost) and the defaults apply.
 */
public final class AccessFile {

    private static final Logger log = LoggerFactory.getLogger(AccessFile.class);
    public static final String FILE_NAME = "access.json";
    private static final JsonMapper JSON = ServerJson.mapper();

    private final Path file;
    private final Clock clock;

    public AccessFile(Path home, Clock clock) {
        this.file = home.resolve(FILE_NAME);
        this.clock = clock;
    }

    public Path path() {
        return file;
    }

    /** The policy in the file; the defaults when there is none, or when it was unreadable (and moved aside). */
    public synchronized AccessPolicy load() {
        if (!Files.exists(file)) {
            return AccessPolicy.defaults();
        }
        try {
            return JSON.readValue(Files.readString(file), AccessPolicy.class);
        } catch (JacksonException e) {
            Path aside = file.resolveSibling(FILE_NAME + ".corrupt-" + clock.millis());
            try {
                Files.move(file, aside);
            } catch (IOException io) {
                throw new IllegalStateException("access.json is unreadable and could not be moved aside: " + io.getMessage(), io);
            }
            log.error("access.json was unreadable ({}); moved to {} and started from defaults", e.getOriginalMessage(), aside);
            return AccessPolicy.defaults();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes the policy: to a private temporary file first, then renamed over the old one. */
    public synchronized void save(AccessPolicy policy) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
            Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(policy));
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
