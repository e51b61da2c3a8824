package dev.larkhandoff.server.access;

import dev.larkhandoff.server.ServerJson;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code <home>/access.json}: read for every inbound message so edits apply at once, written atomically and
 * readable by its owner only. A file that cannot be parsed is refused ({@link Invalid}) and left in place.
 */
public final class AccessFile implements AccessSource {

    public static final String FILE_NAME = "access.json";
    private static final JsonMapper JSON = ServerJson.mapper();

    private final Path file;

    public AccessFile(Path home) {
        this.file = home.resolve(FILE_NAME);
    }

    public Path path() {
        return file;
    }

    @Override
    public String describe() {
        return file.toString();
    }

    /** The file cannot be read as a policy: names the file and the parse error. The file is left as it is. */
    public static final class Invalid extends IllegalStateException {
        private final String problem;

        Invalid(Object source, String problem, Throwable cause) {
            super(source + " is not a valid access policy: " + problem, cause);
            this.problem = problem;
        }

        /** The parse error alone, without the file's name. */
        public String problem() {
            return problem;
        }
    }

    /**
     * The policy in the file; the defaults when there is none.
     *
     * @throws Invalid when the file is not a valid policy: it stays where it is for its owner to fix, and nothing
     *                 here replaces it (a fallback to the defaults would shut out everyone it lets in)
     */
    @Override
    public synchronized AccessPolicy load() {
        if (!Files.exists(file)) {
            return AccessPolicy.defaults();
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            AccessPolicy policy = JSON.readValue(text, AccessPolicy.class);
            if (policy == null) {
                throw new Invalid(file, "the file holds no JSON object", null);
            }
            return policy;
        } catch (JacksonException e) {
            String where = e.getLocation() == null
                    ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr() + ")";
            throw new Invalid(file, e.getOriginalMessage() + where, e);
        }
    }

    /** Writes the policy: to a private temporary file first, then renamed over the old one. */
    @Override
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
