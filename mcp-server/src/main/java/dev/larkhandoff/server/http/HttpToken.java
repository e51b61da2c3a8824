package dev.larkhandoff.server.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer token every HTTP MCP request must carry, kept in {@code <home>/http.token} (owner-only) so that
 * clients on this machine can be configured with it and it survives daemon restarts.
 */
public final class HttpToken {

    private static final Logger log = LoggerFactory.getLogger(HttpToken.class);

    public static final String FILE_NAME = "http.token";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final int RANDOM_BYTES = 32;

    private final byte[] token;

    private HttpToken(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    /** Reads the token file, first creating it (atomically, 0600) when it is missing or empty. */
    public static HttpToken loadOrCreate(Path home) throws IOException {
        Path file = home.resolve(FILE_NAME);
        if (Files.exists(file)) {
            String existing = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (!existing.isEmpty()) {
                narrowToOwner(file);
                return new HttpToken(existing);
            }
            log.warn("{} is empty; writing a new token", file);
        }
        String fresh = generate();
        write(home, file, fresh);
        log.info("created {}", file);
        return new HttpToken(fresh);
    }

    /** The token itself, for a client's configuration. Never log it. */
    public String value() {
        return new String(token, StandardCharsets.UTF_8);
    }

    /** Whether a presented token is this one, in time independent of where they differ. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
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
