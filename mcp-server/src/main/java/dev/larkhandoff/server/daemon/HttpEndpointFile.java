package dev.larkhandoff.server.daemon;

import dev.larkhandoff.server.ServerJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.OptionalInt;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code <home>/http.json}: where the running daemon's HTTP MCP front listens, for clients and the CLI to find, and
 * the port this home's front uses, kept while no daemon runs so that it comes back on the same port. Without a
 * running daemon the file names no URL, only {@code "port"}.
 */
public final class HttpEndpointFile {

    public static final String FILE_NAME = "http.json";

    private HttpEndpointFile() {}

    static void write(Path home, String url, int port, Path socket) throws IOException {
        ObjectNode json = ServerJson.mapper()
                .createObjectNode()
                .put("url", url)
                .put("mcp", url + "/mcp")
                .put("sse", url + "/sse")
                .put("port", port);
        if (socket != null) {
            json.put("socket", socket.toString());
        }
        replace(home, json);
    }

    /**
     * Run by a new daemon first thing once it holds the home's lock: whatever {@code http.json} says was left by a
     * daemon that is gone (killed, crashed, rebooted), and its port may be anybody's now. Keeps only the port.
     */
    public static void forgetStale(Path home) throws IOException {
        if (Files.exists(home.resolve(FILE_NAME))) {
            OptionalInt port = recordedPort(home);
            if (port.isPresent()) {
                replace(home, ServerJson.mapper().createObjectNode().put("port", port.getAsInt()));
            } else {
                Files.deleteIfExists(home.resolve(FILE_NAME));
            }
        }
    }

    /** Once the front is down: the URL goes if it is still {@code url} (a newer daemon's file stays), the port stays. */
    static void remove(Path home, String url, int port) {
        if (read(home).filter(url::equals).isPresent()) {
            try {
                replace(home, ServerJson.mapper().createObjectNode().put("port", port));
            } catch (IOException e) {
                // the next daemon rewrites it before anything else
            }
        }
    }

    /** The port this home's front used last, running or not. */
    static OptionalInt recordedPort(Path home) {
        try {
            JsonNode json = ServerJson.mapper().readTree(Files.readString(home.resolve(FILE_NAME)));
            int port = json.path("port").asInt(0);
            return port > 0 && port < 65536 ? OptionalInt.of(port) : OptionalInt.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
    }

    private static void replace(Path home, ObjectNode json) throws IOException {
        Path tmp = Files.createTempFile(home, ".http-", ".json");
        try {
            Files.writeString(tmp, json.toString());
            Files.move(
                    tmp, home.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Where the hook script finds the token for curl without it ever showing in a process list. */
    public static final String CURL_CONFIG = "hooks.curlrc";

    /**
     * Writes {@code <home>/hooks.curlrc} (0600): a curl config with the bearer header, so the plugin's hook script
     * passes the token to curl by file, not on its command line where any local user could read it.
     */
    public static void writeCurlConfig(Path home, String token) throws IOException {
        Path tmp = Files.createTempFile(home, ".hooks-", ".curlrc");
        try {
            try {
                Files.setPosixFilePermissions(
                        tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
            Files.writeString(tmp, "header = \"Authorization: Bearer " + token + "\"\n");
            Files.move(
                    tmp,
                    home.resolve(CURL_CONFIG),
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The base URL ({@code http://127.0.0.1:<port>}) the running daemon wrote, if any. */
    public static Optional<String> read(Path home) {
        try {
            JsonNode url = ServerJson.mapper()
                    .readTree(Files.readString(home.resolve(FILE_NAME)))
                    .path("url");
            return url.isString() && !url.asString().isEmpty() ? Optional.of(url.asString()) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
