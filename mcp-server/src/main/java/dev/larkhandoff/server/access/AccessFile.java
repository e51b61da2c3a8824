package dev.larkhandoff.server.access;

import dev.larkhandoff.server.ServerJson;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code <home>/access.json}: looked at for every inbound message so an edit applies from the next one, written
 * atomically and readable by its owner only. A file that cannot be parsed is refused ({@link Invalid}) and left in
 * place. The file is read again only when its modification time, size or identity changed: a stat per message, not
 * a read and a parse.
 */
public final class AccessFile implements AccessSource {

    public static final String FILE_NAME = "access.json";
    private static final JsonMapper JSON = ServerJson.mapper();

    private final Path file;
    private final Reader reader;
    /** What the file held when it was last read: its stamp then, and the policy or the parse error. */
    private Cached cached;

    /** Reads the file's text; a seam so a test can count the reads. */
    interface Reader {
        String read(Path file) throws IOException;
    }

    /**
     * What identifies one version of the file without reading it: an edit changes the modification time or the size,
     * and an atomic replacement (as {@link #save} and most editors do) also the file's identity (its inode).
     */
    private record Stamp(FileTime modified, long size, Object identity) {
        static Stamp of(BasicFileAttributes attributes) {
            return new Stamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
        }
    }

    /** Exactly one of {@code policy} and {@code problem} is set. */
    private record Cached(Stamp stamp, AccessPolicy policy, Invalid problem) {}

    public AccessFile(Path home) {
        this(home, Files::readString);
    }

    AccessFile(Path home, Reader reader) {
        this.file = home.resolve(FILE_NAME);
        this.reader = reader;
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
        Stamp stamp;
        try {
            stamp = Stamp.of(Files.readAttributes(file, BasicFileAttributes.class));
        } catch (NoSuchFileException e) {
            cached = null;
            return AccessPolicy.defaults();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Cached known = cached;
        if (known == null || !known.stamp().equals(stamp)) {
            // Stamped before the read: a write landing in between leaves a newer stamp, so the next look reads again.
            known = read(stamp);
            cached = known;
        }
        if (known.problem() != null) {
            throw new Invalid(file, known.problem().problem(), known.problem().getCause());
        }
        return known.policy();
    }

    private Cached read(Stamp stamp) {
        String text;
        try {
            text = reader.read(file);
        } catch (NoSuchFileException e) {
            return new Cached(stamp, AccessPolicy.defaults(), null);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            AccessPolicy policy = JSON.readValue(text, AccessPolicy.class);
            if (policy == null) {
                return new Cached(stamp, null, new Invalid(file, "the file holds no JSON object", null));
            }
            return new Cached(stamp, policy, null);
        } catch (JacksonException e) {
            String where = e.getLocation() == null
                    ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr() + ")";
            return new Cached(stamp, null, new Invalid(file, e.getOriginalMessage() + where, e));
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
            // Read back on the next look rather than stamped now: a write by someone else in between would be missed.
            cached = null;
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
