package dev.larkhandoff.store;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Where a store lives: a SQLite file on this machine, or a PostgreSQL database that several daemons share (team
 * mode, see docs/team-mode.md). Neither {@link #toString} nor {@link #describe} ever shows a password, so a
 * location may be logged and put in error messages as it is.
 */
public sealed interface StoreLocation permits StoreLocation.SqliteFile, StoreLocation.Postgres {

    /** How messages name the store: the file's path, or {@code host:port/database}. */
    String describe();

    /** The SQLite file at this path. */
    static SqliteFile sqlite(Path file) {
        return new SqliteFile(file);
    }

    /**
     * Reads a PostgreSQL URL: {@code postgresql://user:password@host:5432/database?option=value} (libpq's form,
     * also {@code postgres://}) or {@code jdbc:postgresql://host:5432/database?user=…&password=…} (the JDBC form).
     * The port defaults to 5432. Characters {@code / ? # %} in a user name or password must be percent-encoded
     * (libpq wants {@code @} and {@code :} encoded too; here they may stand as they are). Options other than user and password go to the JDBC driver as they are (sslmode, …).
     *
     * @throws IllegalArgumentException naming what is wrong, never quoting the text (it may hold a password)
     */
    static Postgres parse(String url) {
        Objects.requireNonNull(url, "url");
        String rest = null;
        for (String scheme : new String[] {"jdbc:postgresql://", "postgresql://", "postgres://"}) {
            if (url.regionMatches(true, 0, scheme, 0, scheme.length())) {
                rest = url.substring(scheme.length());
                break;
            }
        }
        if (rest == null) {
            throw new IllegalArgumentException(
                    "a store URL starts with postgresql://, postgres:// or jdbc:postgresql:// (" + Postgres.FORM + ")");
        }
        int authorityEnd = indexOfAny(rest, "/?#");
        String authority = rest.substring(0, authorityEnd);
        String afterAuthority = rest.substring(authorityEnd);
        if (afterAuthority.contains("#")) {
            throw new IllegalArgumentException("a store URL has no #fragment; percent-encode a # in the user name or"
                    + " password (" + Postgres.FORM + ")");
        }
        String user = null;
        String password = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon), "user name");
            password = colon < 0 ? null : decode(userInfo.substring(colon + 1), "password");
        }
        String host;
        String portText = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException(
                        "a store URL's IPv6 host lacks its closing ] (" + Postgres.FORM + ")");
            }
            host = authority.substring(1, close);
            String tail = authority.substring(close + 1);
            if (!tail.isEmpty()) {
                if (!tail.startsWith(":")) {
                    throw new IllegalArgumentException("a store URL's host is followed by something other than :port");
                }
                portText = tail.substring(1);
            }
        } else {
            int colon = authority.lastIndexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            portText = colon < 0 ? null : authority.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("a store URL needs a host (" + Postgres.FORM + ")");
        }
        if (host.contains(",")) {
            throw new IllegalArgumentException("a store URL names one host: several hosts are not supported");
        }
        int port = Postgres.DEFAULT_PORT;
        if (portText != null && !portText.isEmpty()) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("a store URL's port is not a number from 1 to 65535"
                        + " (percent-encode @ : / ? # in the user name or password)");
            }
        }
        String path = afterAuthority;
        String query = "";
        int q = path.indexOf('?');
        if (q >= 0) {
            query = path.substring(q + 1);
            path = path.substring(0, q);
        }
        String database = path.startsWith("/") ? decode(path.substring(1), "database name") : "";
        if (database.isEmpty()) {
            throw new IllegalArgumentException("a store URL names its database (" + Postgres.FORM + ")");
        }
        Map<String, String> options = new LinkedHashMap<>();
        if (!query.isEmpty()) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq), "option name");
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1), "option value");
                switch (key) {
                    case "user" -> user = user == null ? value : user;
                    case "password" -> password = password == null ? value : password;
                    default -> options.put(key, value);
                }
            }
        }
        if (user == null || user.isEmpty()) {
            throw new IllegalArgumentException("a store URL names the user to connect as (" + Postgres.FORM + ")");
        }
        return new Postgres(host, port, database, user, password, options);
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return s.length();
    }

    private static String decode(String s, String what) {
        try {
            // URLDecoder would turn + into a space; in a URL's user info and path a + is a +.
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // Not e.getMessage(): it quotes the text, which may be the password.
            throw new IllegalArgumentException("a store URL's " + what + " has a broken %-escape");
        }
    }

    /** A SQLite database file. */
    record SqliteFile(Path file) implements StoreLocation {

        public SqliteFile {
            Objects.requireNonNull(file, "file");
        }

        @Override
        public String describe() {
            return file.toString();
        }

        @Override
        public String toString() {
            return file.toString();
        }
    }

    /**
     * A PostgreSQL database: one server (the primary), one database, one user. {@code options} go to the JDBC
     * driver as connection properties.
     */
    record Postgres(String host, int port, String database, String user, String password, Map<String, String> options)
            implements StoreLocation {

        /** PostgreSQL's port when a URL names none. */
        public static final int DEFAULT_PORT = 5432;

        static final String FORM = "postgresql://user:password@host:port/database";

        public Postgres {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(database, "database");
            Objects.requireNonNull(user, "user");
            options = Collections.unmodifiableMap(new LinkedHashMap<>(options == null ? Map.of() : options));
        }

        /**
         * The URL with its user and password (percent-encoded), as {@link StoreLocation#parse} reads it back: what a
         * config file holds for a throwaway server (the demo, tests, benchmarks). Never log it; {@link #toString}
         * is the form to show.
         */
        public String urlWithPassword() {
            String secret = password == null ? "" : ":" + encoded(password);
            return "postgresql://" + encoded(user) + secret + "@" + describe();
        }

        private static String encoded(String part) {
            return URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20");
        }

        /** The same database, reached with another password. */
        public Postgres withPassword(String newPassword) {
            return new Postgres(host, port, database, user, newPassword, options);
        }

        /** The JDBC URL, without user or password (those go as properties, see {@link #connectionProperties}). */
        public String jdbcUrl() {
            return "jdbc:postgresql://" + hostInUrl() + ":" + port + "/"
                    + URLEncoder.encode(database, StandardCharsets.UTF_8).replace("+", "%20");
        }

        /** The properties the driver connects with: the options, then user and password. */
        public Properties connectionProperties() {
            Properties p = new Properties();
            options.forEach(p::setProperty);
            p.setProperty("user", user);
            if (password != null) {
                p.setProperty("password", password);
            }
            return p;
        }

        @Override
        public String describe() {
            return hostInUrl() + ":" + port + "/" + database;
        }

        /** The URL without its password or options: {@code postgresql://user@host:port/database}. */
        @Override
        public String toString() {
            return "postgresql://" + user + "@" + describe();
        }

        private String hostInUrl() {
            return host.contains(":") ? "[" + host + "]" : host;
        }
    }
}
