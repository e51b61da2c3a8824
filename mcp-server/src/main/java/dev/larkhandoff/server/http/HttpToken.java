package dev.larkhandoff.server.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer token every HTTP MCP request must carry, kept in {@code <home>/http.token} (owner-only) so that
 * clients on this machine can be configured with it and it survives daemon restarts. A running daemon follows the
 * file: once {@code lark-handoff token rotate} replaced it, the old token is refused.
 */
public final class HttpToken {

    private static final Logger log = LoggerFactory.getLogger(HttpToken.class);

    public static final String FILE_NAME = "http.token";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final int RANDOM_BYTES = 32;

    private final Path file;
    private volatile Read current;

    /** The token as last read, and which version of the file it came from. */
    private record Read(byte[] token, Object fileKey, FileTime modified) {}

    private HttpToken(Path file, Read current) {
        this.file = file;
        this.current = current;
    }

    /** Reads the token file, first creating it (atomically, 0600) when it is missing or empty. */
    public static HttpToken loadOrCreate(Path home) throws IOException {
        Path file = home.resolve(FILE_NAME);
        if (Files.exists(file)) {
            Read existing = read(file);
            if (existing.token().length > 0) {
                narrowToOwner(file);
                return new HttpToken(file, existing);
            }
            log.warn("{} is empty; writing a new token", file);
        }
        write(home, file, generate());
        log.info("created {}", file);
        return new HttpToken(file, read(file));
    }

    /** Replaces the token file with a new token (atomically, 0600); a running daemon refuses the old one from now. */
    public static HttpToken rotate(Path home) throws IOException {
        Path file = home.resolve(FILE_NAME);
        write(home, file, generate());
        log.info("rotated {}", file);
        return new HttpToken(file, read(file));
    }

    /** The token itself, for a client's configuration. Never log it. */
    public String value() {
        return new String(fresh().token(), StandardCharsets.UTF_8);
    }

    /** Whether a presented token is the file's current one, in time independent of where they differ. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(fresh().token(), presented.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The token, read again when the file was replaced. One stat per request is cheap next to HTTP; a missing or
     * empty file keeps the last token, as a restart would write a new one anyway.
     */
    private Read fresh() {
        Read last = current;
        try {
            BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class);
            if (Objects.equals(now.fileKey(), last.fileKey())
                    && now.lastModifiedTime().equals(last.modified())) {
                return last;
            }
            Read changed = read(file);
            if (changed.token().length > 0) {
                current = changed;
                log.info("{} changed; only its new token is accepted from now on", file);
                return changed;
            }
        } catch (IOException e) {
            // gone or unreadable for a moment: the last token stands
        }
        return last;
    }

    private static Read read(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        byte[] token = Files.readString(file, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
        return new Read(token, attributes.fileKey(), attributes.lastModifiedTime());
    }

    @Override
    public String toString() {
        return "HttpToken[redacted]";
    }

    private static String generate() {
        byte[] bytes = new byte[RANDOM_BYTES];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static void write(Path home, Path file, String value) throws IOException {
        Files.createDirectories(home);
        Path tmp = createOwnerOnlyTemp(home);
        try {
            Files.writeString(tmp, value + "\n", StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Created with its final permissions, so the token is never readable by others, not even for a moment. */
    private static Path createOwnerOnlyTemp(Path home) throws IOException {
        try {
            FileAttribute<Set<PosixFilePermission>> ownerOnly = PosixFilePermissions.asFileAttribute(OWNER_ONLY);
            return Files.createTempFile(home, ".http-token-", ".tmp", ownerOnly);
        } catch (UnsupportedOperationException e) {
            return Files.createTempFile(home, ".http-token-", ".tmp");
        }
    }

    /** A token file someone made readable to others is narrowed back: anyone holding it can drive the daemon. */
    private static void narrowToOwner(Path file) throws IOException {
        try {
            if (!Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
                log.warn("{} was readable by others; narrowing it to its owner", file);
                Files.setPosixFilePermissions(file, OWNER_ONLY);
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to narrow
        }
    }
}
