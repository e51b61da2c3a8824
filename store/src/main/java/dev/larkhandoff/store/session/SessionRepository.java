package dev.larkhandoff.store.session;

import static dev.larkhandoff.store.jooq.Tables.SESSIONS;

import dev.larkhandoff.store.Database;
import dev.larkhandoff.store.jooq.tables.records.SessionsRecord;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** Sessions that registered with the daemon, and whether each is connected now. */
public final class SessionRepository {

    private final Database db;
    private final Clock clock;

    public SessionRepository(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Records a registration: a new session, or one coming back (its first-seen time is kept). */
    public SessionRecord register(
            String sessionId, Role role, String metadataJson, DeliveryMode mode, Long pid, String clientVersion) {
        return register(sessionId, role, metadataJson, mode, pid, clientVersion, null);
    }

    /** As above, connected to the daemon {@code daemonId} (the one the other daemons of a team reach it through). */
    public SessionRecord register(
            String sessionId,
            Role role,
            String metadataJson,
            DeliveryMode mode,
            Long pid,
            String clientVersion,
            String daemonId) {
        long now = clock.millis();
        return db.write(ctx -> {
            ctx.insertInto(SESSIONS)
                    .set(SESSIONS.SESSION_ID, sessionId)
                    .set(SESSIONS.ROLE, role.column())
                    .set(SESSIONS.METADATA_JSON, metadataJson == null ? "{}" : metadataJson)
                    .set(SESSIONS.DELIVERY_MODE, mode.column())
                    .set(SESSIONS.PID, pid)
                    .set(SESSIONS.CLIENT_VERSION, clientVersion)
                    .set(SESSIONS.FIRST_SEEN_AT, now)
                    .set(SESSIONS.LAST_SEEN_AT, now)
                    .set(SESSIONS.CONNECTED, true)
                    .set(SESSIONS.DAEMON_ID, daemonId)
                    .onConflict(SESSIONS.SESSION_ID)
                    .doUpdate()
                    .set(SESSIONS.ROLE, role.column())
                    .set(SESSIONS.METADATA_JSON, metadataJson == null ? "{}" : metadataJson)
                    .set(SESSIONS.DELIVERY_MODE, mode.column())
                    .set(SESSIONS.PID, pid)
                    .set(SESSIONS.CLIENT_VERSION, clientVersion)
                    .set(SESSIONS.LAST_SEEN_AT, now)
                    .set(SESSIONS.CONNECTED, true)
                    .set(SESSIONS.DAEMON_ID, daemonId)
                    .execute();
            return ctx.selectFrom(SESSIONS)
                    .where(SESSIONS.SESSION_ID.eq(sessionId))
                    .fetchSingle(SessionRepository::row);
        });
    }

    /**
     * The session's connection to {@code daemonId} closed; false when it was not connected there (it may have
     * registered with another daemon of the team meanwhile, which now serves it).
     */
    public boolean markDisconnected(String sessionId, String daemonId) {
        long now = clock.millis();
        return db.write(ctx -> ctx.update(SESSIONS)
                        .set(SESSIONS.CONNECTED, false)
                        .set(SESSIONS.LAST_SEEN_AT, now)
                        .where(SESSIONS.SESSION_ID.eq(sessionId))
                        .and(SESSIONS.CONNECTED.isTrue())
                        .and(daemonId == null ? SESSIONS.DAEMON_ID.isNull() : SESSIONS.DAEMON_ID.eq(daemonId))
                        .execute()
                == 1);
    }

    /** The session's connection closed; false when it was not connected. */
    public boolean markDisconnected(String sessionId) {
        long now = clock.millis();
        return db.write(ctx -> ctx.update(SESSIONS)
                        .set(SESSIONS.CONNECTED, false)
                        .set(SESSIONS.LAST_SEEN_AT, now)
                        .where(SESSIONS.SESSION_ID.eq(sessionId))
                        .and(SESSIONS.CONNECTED.isTrue())
                        .execute()
                == 1);
    }

    /** At daemon start nobody is connected yet, whatever the last run left behind. */
    public int markAllDisconnected() {
        return db.write(ctx -> ctx.update(SESSIONS)
                .set(SESSIONS.CONNECTED, false)
                .where(SESSIONS.CONNECTED.isTrue())
                .execute());
    }

    public Optional<SessionRecord> find(String sessionId) {
        return db.read(ctx -> ctx.selectFrom(SESSIONS)
                .where(SESSIONS.SESSION_ID.eq(sessionId))
                .fetchOptional(SessionRepository::row));
    }

    /** Every known session, connected or not, in the order they were first seen. */
    public List<SessionRecord> all() {
        return db.read(ctx -> ctx.selectFrom(SESSIONS)
                .orderBy(SESSIONS.FIRST_SEEN_AT, SESSIONS.SESSION_ID)
                .fetch(SessionRepository::row));
    }

    /** The sessions connected to one of these daemons, in the order they were first seen. */
    public List<SessionRecord> connectedTo(java.util.Collection<String> daemonIds) {
        if (daemonIds.isEmpty()) {
            return List.of();
        }
        return db.read(ctx -> ctx.selectFrom(SESSIONS)
                .where(SESSIONS.CONNECTED.isTrue())
                .and(SESSIONS.DAEMON_ID.in(daemonIds))
                .orderBy(SESSIONS.FIRST_SEEN_AT, SESSIONS.SESSION_ID)
                .fetch(SessionRepository::row));
    }

    public List<SessionRecord> connected() {
        return db.read(ctx -> ctx.selectFrom(SESSIONS)
                .where(SESSIONS.CONNECTED.isTrue())
                .orderBy(SESSIONS.FIRST_SEEN_AT, SESSIONS.SESSION_ID)
                .fetch(SessionRepository::row));
    }

    private static SessionRecord row(SessionsRecord r) {
        return new SessionRecord(
                r.getSessionId(),
                Role.of(r.getRole()),
                r.getMetadataJson(),
                DeliveryMode.of(r.getDeliveryMode()),
                r.getPid(),
                r.getClientVersion(),
                r.getFirstSeenAt(),
                r.getLastSeenAt(),
                Boolean.TRUE.equals(r.getConnected()),
                r.getDaemonId());
    }
}
