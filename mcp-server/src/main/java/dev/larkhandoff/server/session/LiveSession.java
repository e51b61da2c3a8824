package dev.larkhandoff.server.session;

import dev.larkhandoff.store.session.Role;
import java.util.Map;
import java.util.Objects;

/** A session connected to the daemon right now, as it registered: id, role and its opaque metadata bag. */
public record LiveSession(String sessionId, Role role, Map<String, String> metadata, long pid, String version) {

    public LiveSession {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(role, "role");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    public boolean isDispatcher() {
        return role == Role.DISPATCHER;
    }
}
