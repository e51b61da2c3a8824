package dev.larkhandoff.server.team;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.session.LiveSession;
import dev.larkhandoff.server.session.LiveSessions;
import dev.larkhandoff.store.session.SessionRecord;
import dev.larkhandoff.store.session.SessionRepository;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The sessions live anywhere in the team: this daemon's own (connected to it now), then those connected to the other
 * alive daemons, as the shared store last said ({@link #refresh}). Channel ownership judges who may take the
 * channel, and who receives it, against this list; only a session's own daemon hands it messages.
 */
public final class TeamSessions implements LiveSessions {

    private static final Logger log = LoggerFactory.getLogger(TeamSessions.class);

    private final LiveSessions local;
    private final SessionRepository sessions;
    private final Supplier<Set<String>> otherDaemons;
    private volatile List<LiveSession> remote = List.of();
    private volatile Map<String, String> daemonOf = Map.of();

    public TeamSessions(LiveSessions local, SessionRepository sessions, Supplier<Set<String>> otherDaemons) {
        this.local = local;
        this.sessions = sessions;
        this.otherDaemons = otherDaemons;
    }

    /** Reads the other daemons' sessions again; keeps the last list when the store cannot be read. */
    public void refresh() {
        try {
            List<LiveSession> out = new ArrayList<>();
            Map<String, String> by = new LinkedHashMap<>();
            for (SessionRecord r : sessions.connectedTo(otherDaemons.get())) {
                out.add(new LiveSession(
                        r.sessionId(),
                        r.role(),
                        metadata(r.metadataJson()),
                        r.pid() == null ? 0 : r.pid(),
                        r.clientVersion()));
                by.put(r.sessionId(), r.daemonId());
            }
            remote = List.copyOf(out);
            daemonOf = Map.copyOf(by);
        } catch (RuntimeException e) {
            log.debug("could not read the team's sessions: {}", e.getMessage());
        }
    }

    /** The daemon serving a session of another daemon, if it is one. */
    public java.util.Optional<String> remoteDaemonOf(String sessionId) {
        return java.util.Optional.ofNullable(daemonOf.get(sessionId));
    }

    @Override
    public List<LiveSession> live() {
        List<LiveSession> mine = local.live();
        Set<String> ids = new HashSet<>();
        mine.forEach(s -> ids.add(s.sessionId()));
        List<LiveSession> out = new ArrayList<>(mine);
        for (LiveSession s : remote) {
            if (ids.add(s.sessionId())) {
                out.add(s);
            }
        }
        return out;
    }

    private static Map<String, String> metadata(String json) {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            JsonNode node = ServerJson.mapper().readTree(json == null ? "{}" : json);
            node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asString("")));
        } catch (RuntimeException e) {
            // a bag that is not JSON reads as empty: the session still counts as live
        }
        return out;
    }
}
