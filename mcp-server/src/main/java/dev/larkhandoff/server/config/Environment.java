package dev.larkhandoff.server.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The one place that reads environment variables: a snapshot taken once, passed to whoever needs a value.
 * Tests build one from a map instead of touching the process environment.
 */
public final class Environment {

    public static final String HOME = "LARK_HANDOFF_HOME";
    public static final String APP_ID = "LARK_APP_ID";
    public static final String APP_SECRET = "LARK_APP_SECRET";
    public static final String DOMAIN = "LARK_DOMAIN";
    /** The operator's Lark login email: the person handoffs invite and listen to. */
    public static final String OPERATOR_EMAIL = "LARK_HANDOFF_OPERATOR_EMAIL";

    /** Team mode: the shared PostgreSQL store ({@code postgresql://user@host:5432/db} or a JDBC URL). */
    public static final String STORE_URL = "LARK_HANDOFF_STORE_URL";
    /** The shared store's password, when it is not in the URL or a password file. */
    public static final String STORE_PASSWORD = "LARK_HANDOFF_STORE_PASSWORD";

    /** This machine's name in group names and team status, when the host name is not the one to show. */
    public static final String MACHINE = "LARK_HANDOFF_MACHINE";

    public static final String SESSION_ID = "LARK_HANDOFF_SESSION_ID";
    /** How many seconds a permission request waits in Lark before it is denied (the daemon's setting). */
    public static final String PERMISSION_TIMEOUT = "LARK_HANDOFF_PERMISSION_TIMEOUT_SECONDS";

    public static final String ROLE = "LARK_HANDOFF_ROLE";
    public static final String DELIVERY = "LARK_HANDOFF_DELIVERY";
    public static final String META_PREFIX = "LARK_HANDOFF_META_";
    public static final String CLAUDE_SESSION_ID = "CLAUDE_CODE_SESSION_ID";
    public static final String CLAUDE_PROJECT_DIR = "CLAUDE_PROJECT_DIR";
    public static final String INIT_CWD = "INIT_CWD";
    public static final String CLAUDEMUX_TEAMMATE = "CLAUDEMUX_TEAMMATE_NAME";
    public static final String USER_HOME = "HOME";

    private final Map<String, String> values;

    private Environment(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /** The process environment, read once. */
    public static Environment system() {
        return new Environment(System.getenv());
    }

    public static Environment of(Map<String, String> values) {
        return new Environment(values);
    }

    /** This environment with one variable set (a command-line option overriding the environment). */
    public Environment with(String name, String value) {
        Map<String, String> copy = new java.util.HashMap<>(values);
        copy.put(name, value);
        return new Environment(copy);
    }

    /** A non-blank value, trimmed. */
    public Optional<String> get(String name) {
        String v = values.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    /** Every variable whose name starts with {@code prefix}, by the rest of its name, sorted. */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length() && v != null) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return new LinkedHashMap<>(out);
    }
}
