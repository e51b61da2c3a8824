package dev.larkhandoff.server.http;

import dev.larkhandoff.server.session.LiveSession;
import dev.larkhandoff.store.session.Role;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Who an HTTP MCP client says it is, from its request headers: the HTTP counterpart of the environment a stdio
 * proxy reads (a declared session id, a role, a metadata bag).
 */
record HttpIdentity(String declaredSessionId, Role role, Map<String, String> metadata) {

    static final String SESSION_ID_HEADER = "X-Lark-Handoff-Session-Id";
    static final String ROLE_HEADER = "X-Lark-Handoff-Role";
    static final String META_PREFIX = "X-Lark-Handoff-Meta-";

    /** Where the identity sits in the SDK's transport context of each request. */
    static final String CONTEXT_KEY = "lark-handoff.identity";

    HttpIdentity {
        metadata = Map.copyOf(metadata);
    }

    static HttpIdentity of(HttpServletRequest request) {
        String declared = request.getHeader(SESSION_ID_HEADER);
        declared = declared == null || declared.isBlank() ? null : declared.strip();
        String role = request.getHeader(ROLE_HEADER);
        Map<String, String> metadata = new LinkedHashMap<>();
        for (String name : Collections.list(request.getHeaderNames())) {
            if (name.regionMatches(true, 0, META_PREFIX, 0, META_PREFIX.length())) {
                String key = metadataKey(name.substring(META_PREFIX.length()));
                String value = request.getHeader(name);
                if (!key.isEmpty() && value != null) {
                    metadata.put(key, value);
                }
            }
        }
        return new HttpIdentity(
                declared,
                role != null && role.strip().equalsIgnoreCase("dispatcher") ? Role.DISPATCHER : Role.SESSION,
                metadata);
    }

    /**
     * The daemon session this MCP session is. A declared id gets the same {@code session:} prefix a stdio proxy's
     * LARK_HANDOFF_SESSION_ID gets, so one agent is one session whichever transport it comes on.
     */
    LiveSession session(String mcpSessionId, String transport, String version) {
        String sessionId = declaredSessionId != null ? "session:" + declaredSessionId : "http:" + mcpSessionId;
        Map<String, String> all = new LinkedHashMap<>(metadata);
        all.put("transport", transport);
        return new LiveSession(sessionId, role, all, 0, version);
    }

    private static String metadataKey(String raw) {
        StringBuilder key = new StringBuilder();
        for (char c : raw.toLowerCase(Locale.ROOT).replace('-', '_').toCharArray()) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
                key.append(c);
            }
        }
        return key.toString();
    }
}
