package dev.larkhandoff.server.session;

import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.store.session.SessionRepository;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions connected to the daemon now, each with its connection. A session is live from its register until
 * its connection closes (then offline at once); registering again under the same id replaces the old connection.
 */
public final class SessionRegistry implements LiveSessions {

    private static final Logger log = LoggerFactory.getLogger(SessionRegistry.class);

    /** A live session and the connection it came on. */
    public record Entry(LiveSession session, DeliveryMode deliveryMode, SessionLink connection) {}

    private final SessionRepository sessions;
    private final String daemonId;
    private final Map<String, Entry> live = new LinkedHashMap<>();
    private final RunningCalls calls = new RunningCalls();
    private volatile java.util.function.Consumer<LiveSession> onRegistered = session -> {};

    public SessionRegistry(SessionRepository sessions) {
        this(sessions, null);
    }

    /**
     * @param daemonId this daemon's id in the store's team (several daemons share one store); null when the daemon
     *     has the store to itself
     */
    public SessionRegistry(SessionRepository sessions, String daemonId) {
        this.sessions = sessions;
        this.daemonId = daemonId;
    }

    /**
     * Set once at wiring: who is told of each registration (channel ownership, which itself reads the registry, so
     * it cannot be a constructor argument).
     */
    public void onRegistered(java.util.function.Consumer<LiveSession> listener) {
        this.onRegistered = listener;
    }

    /** Records a registration; returns the entry replaced (its connection is closed), if any. */
    public Optional<Entry> register(
            LiveSession session, DeliveryMode mode, String metadataJson, SessionLink connection) {
        Entry previous;
        synchronized (this) {
            previous = live.remove(session.sessionId());
            live.put(session.sessionId(), new Entry(session, mode, connection));
        }
        if (previous != null && previous.connection() != connection) {
            log.info("session {} registered again; closing its previous connection", session.sessionId());
            calls.cancelAll(previous.connection());
            previous.connection().close();
        }
        sessions.register(
                session.sessionId(), session.role(), metadataJson, mode, session.pid(), session.version(), daemonId);
        onRegistered.accept(session);
        return Optional.ofNullable(previous);
    }

    /** The connection closed: the session is offline from now on (unless it already registered again). */
    public void disconnected(SessionLink connection) {
        calls.cancelAll(connection);
        String gone = null;
        synchronized (this) {
            for (var it = live.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (e.getValue().connection() == connection) {
                    gone = e.getKey();
                    it.remove();
                    break;
                }
            }
        }
        if (gone != null) {
            sessions.markDisconnected(gone, daemonId);
            log.info("session {} disconnected", gone);
        }
    }

    /** The tool calls running on the sessions' links. */
    public RunningCalls calls() {
        return calls;
    }

    public synchronized Optional<Entry> entry(String sessionId) {
        return Optional.ofNullable(live.get(sessionId));
    }

    /** The session registered on this connection, if it has registered. */
    public synchronized Optional<String> sessionOf(SessionLink connection) {
        return live.values().stream()
                .filter(e -> e.connection() == connection)
                .map(e -> e.session().sessionId())
                .findFirst();
    }

    @Override
    public synchronized List<LiveSession> live() {
        List<LiveSession> out = new ArrayList<>();
        live.values().forEach(e -> out.add(e.session()));
        return out;
    }
}
