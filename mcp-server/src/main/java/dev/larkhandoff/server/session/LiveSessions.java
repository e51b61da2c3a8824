package dev.larkhandoff.server.session;

import java.util.List;
import java.util.Optional;

/** The sessions connected now, in registration order; the daemon's connection registry provides it. */
public interface LiveSessions {

    List<LiveSession> live();

    default Optional<LiveSession> find(String sessionId) {
        return live().stream().filter(s -> s.sessionId().equals(sessionId)).findFirst();
    }
}
