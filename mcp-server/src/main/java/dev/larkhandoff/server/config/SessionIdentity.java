package dev.larkhandoff.server.config;

import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.store.session.Role;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Who a proxy says it is when it registers: a session id that stays the same across proxy restarts, a role,
 * the delivery mode, and a metadata bag. Derived only from the environment Claude Code (or another host)
 * gives, never from the proxy's own working directory, which plugin launchers change.
 */
public record SessionIdentity(
        String sessionId, Role role, DeliveryMode deliveryMode, Map<String, String> metadata, boolean stable) {

    private static final Pattern META_KEY = Pattern.compile("[a-z0-9_]+");

    public SessionIdentity {
        metadata = Map.copyOf(metadata);
    }

    public static SessionIdentity from(Environment env, DeliveryMode defaultMode) {
        Role role = env.get(Environment.ROLE)
                .map(r -> r.equalsIgnoreCase("dispatcher") ? Role.DISPATCHER : Role.SESSION)
                .orElse(Role.SESSION);
        DeliveryMode mode = env.get(Environment.DELIVERY)
                .map(d -> d.equalsIgnoreCase("pull") ? DeliveryMode.PULL : DeliveryMode.PUSH)
                .orElse(defaultMode);
        String projectDir = env.get(Environment.CLAUDE_PROJECT_DIR)
                .or(() -> env.get(Environment.INIT_CWD))
                .orElse(null);

        String sessionId;
        boolean stable = true;
        var explicit = env.get(Environment.SESSION_ID);
        var claude = env.get(Environment.CLAUDE_SESSION_ID);
        if (explicit.isPresent()) {
            sessionId = "session:" + explicit.get();
        } else if (claude.isPresent()) {
            sessionId = "session:" + role.column() + ":" + digest("claude:" + claude.get());
        } else if (projectDir != null) {
            sessionId = "session:" + role.column() + ":" + digest("dir:" + projectDir);
        } else {
            sessionId = "session:" + role.column() + ":" + UUID.randomUUID();
            stable = false;
        }

        Map<String, String> metadata = new LinkedHashMap<>();
        env.get(Environment.CLAUDEMUX_TEAMMATE).ifPresent(n -> metadata.put("teammate_name", n));
        if (projectDir != null) {
            metadata.put("cwd", projectDir);
        }
        env.withPrefix(Environment.META_PREFIX).forEach((k, v) -> {
            String key = k.toLowerCase(Locale.ROOT);
            if (META_KEY.matcher(key).matches()) {
                metadata.put(key, v);
            }
        });
        return new SessionIdentity(sessionId, role, mode, metadata, stable);
    }

    private static String digest(String basis) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(basis.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
