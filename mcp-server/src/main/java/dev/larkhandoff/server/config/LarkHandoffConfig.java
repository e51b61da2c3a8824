package dev.larkhandoff.server.config;

import dev.larkhandoff.server.ServerJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The program's settings: where its home is, the Lark app it speaks for, and the operator's Lark login email (the
 * person handoffs invite and listen to). {@code <home>/config.json}
 * (kept 0600: it holds the app secret) with the environment overriding it. {@link #toString()} hides the secret.
 */
public record LarkHandoffConfig(Path home, String appId, String appSecret, String domain, String operatorEmail) {

    public static final String FILE_NAME = "config.json";
    private static final JsonMapper JSON = ServerJson.mapper();

    /** Settings without an operator (channel use only; handoffs need one). */
    public LarkHandoffConfig(Path home, String appId, String appSecret, String domain) {
        this(home, appId, appSecret, domain, null);
    }

    /** The same settings with the operator's email. */
    public LarkHandoffConfig withOperatorEmail(String email) {
        return new LarkHandoffConfig(home, appId, appSecret, domain, email);
    }

    /** The home directory this environment names, without reading anything there. */
    public static Path homeOf(Environment env) {
        return env.get(Environment.HOME)
                .map(Path::of)
                .orElseGet(() -> Path.of(
                        env.get(Environment.USER_HOME).orElse(System.getProperty("user.home")), ".lark-handoff"));
    }

    /** Reads the configuration for this environment; a missing config file means "nothing configured yet". */
    public static LarkHandoffConfig load(Environment env) {
        Path home = homeOf(env);
        JsonNode file = read(home.resolve(FILE_NAME));
        return new LarkHandoffConfig(
                home,
                env.get(Environment.APP_ID).orElse(text(file, "app_id")),
                env.get(Environment.APP_SECRET).orElse(text(file, "app_secret")),
                env.get(Environment.DOMAIN)
                        .orElse(Optional.ofNullable(text(file, "domain")).orElse("feishu")),
                env.get(Environment.OPERATOR_EMAIL)
                        .orElse(Optional.ofNullable(text(file, "operator_email"))
                                .orElse(text(file, "email"))));
    }

    /**
     * Writes the Lark settings to {@code config.json}, readable by its owner only. Other settings already in the
     * file (the shared store's URL) are kept.
     */
    public void save() throws IOException {
        save(json -> {});
    }

    /**
     * As {@link #save()}, and sets the shared store's URL ({@code store_url}, team mode: docs/team-mode.md), or
     * removes it when empty so that the home keeps its own SQLite file. The file is its owner's alone, so a
     * password in the URL stays there; nothing prints it.
     */
    public void save(Optional<String> storeUrl) throws IOException {
        save(json -> {
            if (storeUrl.isPresent()) {
                json.put("store_url", storeUrl.get());
            } else {
                json.remove("store_url");
            }
        });
    }

    private void save(java.util.function.Consumer<ObjectNode> more) throws IOException {
        Files.createDirectories(home);
        Path file = home.resolve(FILE_NAME);
        ObjectNode json = existingObject(file);
        json.put("app_id", appId);
        json.put("app_secret", appSecret);
        json.put("domain", domain);
        if (operatorEmail != null && !operatorEmail.isBlank()) {
            json.put("operator_email", operatorEmail);
        } else {
            json.remove("operator_email");
        }
        more.accept(json);
        Path tmp = Files.createTempFile(home, ".config-", ".json");
        try {
            setOwnerOnly(tmp);
            Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
            Files.move(
                    tmp,
                    file,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static ObjectNode existingObject(Path file) {
        try {
            return read(file) instanceof ObjectNode o ? o : JSON.createObjectNode();
        } catch (IllegalArgumentException e) {
            return JSON.createObjectNode(); // a broken file is being replaced: nothing in it can be kept
        }
    }

    public boolean hasCredentials() {
        return appId != null && !appId.isBlank() && appSecret != null && !appSecret.isBlank();
    }

    /** {@code config.json} as JSON (an empty object when absent), narrowed to its owner; the one reader of it. */
    static JsonNode read(Path file) {
        if (!Files.exists(file)) {
            return JSON.createObjectNode();
        }
        try {
            tightenPermissions(file);
            JsonNode node = JSON.readTree(Files.readString(file));
            if (!node.isObject()) {
                throw new IllegalArgumentException(file + " must hold a JSON object");
            }
            return node;
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** A config file anyone else can read is narrowed to its owner, since it holds the app secret. */
    private static void tightenPermissions(Path file) throws IOException {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (!perms.equals(PosixFilePermissions.fromString("rw-------"))) {
                setOwnerOnly(file);
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to narrow
        }
    }

    private static void setOwnerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isString() && !v.stringValue().isBlank() ? v.stringValue() : null;
    }

    @Override
    public String toString() {
        return "LarkHandoffConfig[home=" + home + ", appId=" + appId + ", appSecret="
                + (appSecret == null ? "unset" : "***") + ", domain=" + domain + ", operatorEmail=" + operatorEmail
                + "]";
    }
}
