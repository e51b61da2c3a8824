package dev.larkhandoff.server.config;

import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.StoreLocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Where the store lives: the home's SQLite file unless a shared PostgreSQL store is configured (team mode), with the
 * password for it. The URL comes from {@code LARK_HANDOFF_STORE_URL} or {@code store_url} in {@code config.json}; the
 * password from the URL itself, {@code LARK_HANDOFF_STORE_PASSWORD}, or a file readable by its owner only
 * ({@code store_password_file} in {@code config.json}, else {@code <home>/store-password} when it exists).
 * {@link #toString()} never shows a password.
 */
public record StoreSettings(Optional<String> url, Optional<String> password, String passwordSource) {

    /** The default password file in the home. */
    public static final String PASSWORD_FILE = "store-password";

    private static final Pattern USER_INFO_PASSWORD = Pattern.compile("(://[^:/@?#]*):[^@/?#]*@");
    private static final Pattern QUERY_PASSWORD = Pattern.compile("(?i)([?&]password=)[^&#]*");
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    /** One machine, the home's SQLite file. */
    public static StoreSettings local() {
        return new StoreSettings(Optional.empty(), Optional.empty(), "none");
    }

    /** Whether the store is a shared database rather than the home's own file. */
    public boolean isShared() {
        return url.isPresent();
    }

    /**
     * Reads the store settings of this environment and home.
     *
     * @throws IllegalArgumentException naming the file or variable at fault (a password file others can read, an
     *     unreadable file, a {@code config.json} that is not JSON)
     */
    public static StoreSettings load(Environment env, Path home) {
        JsonNode file = LarkHandoffConfig.read(home.resolve(LarkHandoffConfig.FILE_NAME));
        Optional<String> url = env.get(Environment.STORE_URL).or(() -> text(file, "store_url"));
        if (url.isEmpty()) {
            return local();
        }
        return withPassword(url.get(), env, home, file);
    }

    /**
     * The settings for a URL given on the command line ({@code lark-handoff store migrate --to}, {@code init
     * --store-url}), its password found as {@link #load} finds one: in the URL, {@code LARK_HANDOFF_STORE_PASSWORD},
     * or the password file.
     *
     * @throws IllegalArgumentException as {@link #load}
     */
    public static StoreSettings forUrl(String url, Environment env, Path home) {
        return withPassword(url.strip(), env, home, LarkHandoffConfig.read(home.resolve(LarkHandoffConfig.FILE_NAME)));
    }

    private static StoreSettings withPassword(String urlText, Environment env, Path home, JsonNode file) {
        Optional<String> url = Optional.of(urlText);
        Optional<String> fromEnv = env.get(Environment.STORE_PASSWORD);
        if (fromEnv.isPresent()) {
            return new StoreSettings(url, fromEnv, Environment.STORE_PASSWORD);
        }
        Optional<Path> passwordFile = text(file, "store_password_file")
                .map(name -> home.resolve(name))
                .or(() -> Optional.of(home.resolve(PASSWORD_FILE)).filter(Files::exists));
        if (passwordFile.isPresent()) {
            return new StoreSettings(
                    url,
                    Optional.of(readPasswordFile(passwordFile.get())),
                    passwordFile.get().toString());
        }
        return new StoreSettings(url, Optional.empty(), "the URL");
    }

    /**
     * Where the store is: the shared database this names, or {@code <home>/lark-handoff.db}.
     *
     * @throws IllegalArgumentException when the URL cannot be read (the message never quotes it)
     */
    public StoreLocation location(Path home) {
        if (url.isEmpty()) {
            return StoreLocation.sqlite(home.resolve(Store.FILE_NAME));
        }
        StoreLocation.Postgres pg;
        try {
            pg = StoreLocation.parse(url.get());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "the store_url (" + shownUrl().orElse("") + ") cannot be used: " + e.getMessage(), e);
        }
        return password.map(pg::withPassword).orElse(pg);
    }

    /**
     * Writes the shared store's password to {@code <home>/store-password}, readable by its owner only, where
     * {@link #load} finds it when neither the URL nor the environment gives one.
     */
    public static Path writePasswordFile(Path home, String password) throws IOException {
        Files.createDirectories(home);
        Path file = home.resolve(PASSWORD_FILE);
        Path tmp = Files.createTempFile(home, ".store-password-", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(
                        tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
            Files.writeString(tmp, password + "\n");
            Files.move(
                    tmp,
                    file,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return file;
    }

    /** Whether {@code url} carries a password of its own (in its user info or as a {@code password} option). */
    public static boolean hasPassword(String url) {
        try {
            return StoreLocation.parse(url).password() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The URL as logs and errors may show it: any password in it replaced by {@code ***}. */
    public Optional<String> shownUrl() {
        return url.map(StoreSettings::mask);
    }

    static String mask(String url) {
        String out = USER_INFO_PASSWORD.matcher(url).replaceFirst("$1:***@");
        return QUERY_PASSWORD.matcher(out).replaceAll("$1***");
    }

    private static String readPasswordFile(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(OTHERS::contains)) {
                throw new IllegalArgumentException("the store password file " + file
                        + " can be read by other users; make it the owner's alone (chmod 600 " + file + ")");
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read the store password file " + file + ": " + e.getMessage(), e);
        }
        try {
            String password = Files.readString(file).strip();
            if (password.isEmpty()) {
                throw new IllegalArgumentException("the store password file " + file + " is empty");
            }
            return password;
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read the store password file " + file + ": " + e.getMessage(), e);
        }
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isString() && !v.stringValue().isBlank()
                ? Optional.of(v.stringValue().strip())
                : Optional.empty();
    }

    @Override
    public String toString() {
        return "StoreSettings[url=" + shownUrl().orElse("(the home's SQLite file)") + ", password="
                + (password.isPresent() ? "*** from " + passwordSource : "none") + "]";
    }
}
