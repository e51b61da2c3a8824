package dev.larkhandoff.server.daemon;

import dev.larkhandoff.server.ServerJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/** {@code <home>/http.json}: where the running daemon's HTTP MCP front listens, for clients and the CLI to find. */
public final class HttpEndpointFile {

    public static final String FILE_NAME = "http.json";

    private HttpEndpointFile() {
    }

    static void write(Path home, String url) throws IOException {
        Path tmp = Files.createTempFile(home, ".http-", ".json");
        try {
            Files.writeString(tmp, ServerJson.mapper().createObjectNode().put("url", url)
                    .put("mcp", url + "/mcp").put("sse", url + "/sse").toString());
            Files.move(tmp, home.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Removes {@code <home>/http.json} if it still names {@code url} (a newer daemon's file stays). */
    static void remove(Path home, String url) {
        if (read(home).filter(url::equals).isPresent()) {
            try {
                Files.deleteIfExists(home.resolve(FILE_NAME));
            } catch (IOException e) {
                // the next daemon overwrites it
            }
        }
    }

    /** Where the hook script finds the token for curl without it ever showing in a process list. */
    public static final String CURL_CONFIG = "hooks.curlrc";

    /**
     * Writes {@code <home>/hooks.curlrc} (0600): a curl config with the bearer header, so the plugin's hook script
     * passes the token to curl by file, not on its command line where any local user could read it.
     */
    static void writeCurlConfig(Path home, String token) throws IOException {
        Path tmp = Files.createTempFile(home, ".hooks-", ".curlrc");
        try {
            try {
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
            Files.writeString(tmp, "header = \"Authorization: Bearer " + token + "\"\n");
            Files.move(tmp, home.resolve(CURL_CONFIG), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The base URL ({@code http://127.0.0.1:<port>}) the daemon wrote, if any. */
    public static Optional<String> read(Path home) {
        try {
            return Optional.of(ServerJson.mapper().readTree(Files.readString(home.resolve(FILE_NAME)))
                    .path("url").asString());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
