package dev.larkhandoff.server.hooks;

import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.SessionIdentity;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.handoff.BindingRepository;
import dev.larkhandoff.store.session.DeliveryMode;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which of our sessions a Claude Code hook speaks for. A hook knows Claude's session id and the project directory;
 * the session's proxy derived its id from the same environment, as {@link SessionIdentity} does, but which inputs
 * it had (an explicit id, Claude's session id, only the directory) is not known here, so each way is tried, in the
 * order the proxy would have preferred them, and the first that holds a handoff wins. An explicit id is taken alone.
 */
final class HookSessions {

    private HookSessions() {}

    /**
     * @param explicitSessionId {@code LARK_HANDOFF_SESSION_ID} of the hook's environment, or null
     * @param claudeSessionId   the hook input's {@code session_id}, or null
     * @param projectDir        {@code CLAUDE_PROJECT_DIR} of the hook's environment, else the input's {@code cwd}
     */
    static Optional<Binding> binding(
            BindingRepository bindings, String explicitSessionId, String claudeSessionId, String projectDir) {
        for (String id : candidates(explicitSessionId, claudeSessionId, projectDir)) {
            Optional<Binding> b = bindings.findBySession(id);
            if (b.isPresent()) {
                return b;
            }
        }
        return Optional.empty();
    }

    static Set<String> candidates(String explicitSessionId, String claudeSessionId, String projectDir) {
        Set<String> out = new LinkedHashSet<>();
        if (explicitSessionId != null) {
            // A caller that names its session is that session only: guessing on from the directory could find
            // another client's handoff in the same project and answer for it.
            out.add(explicitId(explicitSessionId));
            return out;
        }
        for (String role : new String[] {"session", "dispatcher"}) {
            if (claudeSessionId != null) {
                Map<String, String> env = new LinkedHashMap<>();
                env.put(Environment.CLAUDE_SESSION_ID, claudeSessionId);
                out.add(id(env, role));
            }
            if (projectDir != null) {
                out.add(id(Map.of(Environment.CLAUDE_PROJECT_DIR, projectDir), role));
            }
        }
        return out;
    }

    /** The session id a proxy registered under when it was given {@code LARK_HANDOFF_SESSION_ID}. */
    static String explicitId(String explicitSessionId) {
        return id(Map.of(Environment.SESSION_ID, explicitSessionId), "session");
    }

    private static String id(Map<String, String> env, String role) {
        Map<String, String> withRole = new LinkedHashMap<>(env);
        withRole.put(Environment.ROLE, role);
        return SessionIdentity.from(Environment.of(withRole), DeliveryMode.PUSH).sessionId();
    }
}
