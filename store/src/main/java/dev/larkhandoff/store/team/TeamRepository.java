package dev.larkhandoff.store.team;

import static dev.larkhandoff.store.jooq.Tables.DAEMONS;
import static dev.larkhandoff.store.jooq.Tables.SESSIONS;

import dev.larkhandoff.store.Database;
import dev.larkhandoff.store.jooq.tables.records.DaemonsRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The daemons that serve this store and their leases. Each daemon renews its own row; every other daemon reads the
 * rows to know who is alive, so a session connected to a daemon whose lease ran out counts as offline everywhere.
 */
public final class TeamRepository {

    /** How long a daemon's row is kept after its lease ran out, for doctor to list it. */
    static final Duration FORGOTTEN_AFTER = Duration.ofDays(7);

    private final Database db;
    private final Clock clock;

    public TeamRepository(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Writes this daemon's row with its lease renewed until {@code now + lease}; one statement, an upsert. */
    public DaemonRecord heartbeat(
            String daemonId,
            String machine,
            String home,
            long pid,
            String version,
            long startedAt,
            Duration lease,
            String larkConnection) {
        long now = clock.millis();
        DaemonRecord r = new DaemonRecord(
                daemonId, machine, home, pid, version, startedAt, now, now + lease.toMillis(), larkConnection);
        db.write(ctx -> ctx.insertInto(DAEMONS)
                .set(DAEMONS.DAEMON_ID, r.daemonId())
                .set(DAEMONS.MACHINE, r.machine())
                .set(DAEMONS.HOME, r.home())
                .set(DAEMONS.PID, r.pid())
                .set(DAEMONS.VERSION, r.version())
                .set(DAEMONS.STARTED_AT, r.startedAt())
                .set(DAEMONS.HEARTBEAT_AT, r.heartbeatAt())
                .set(DAEMONS.LEASE_UNTIL, r.leaseUntil())
                .set(DAEMONS.LARK_CONNECTION, r.larkConnection())
                .onConflict(DAEMONS.DAEMON_ID)
                .doUpdate()
                .set(DAEMONS.HEARTBEAT_AT, r.heartbeatAt())
                .set(DAEMONS.LEASE_UNTIL, r.leaseUntil())
                .set(DAEMONS.LARK_CONNECTION, r.larkConnection())
                .execute());
        return r;
    }

    /**
     * A daemon that stops: its lease ends now and its sessions are disconnected, so the others stop counting on
     * them at once instead of when the lease would have run out.
     */
    public void leave(String daemonId) {
        long now = clock.millis();
        db.write(ctx -> {
            ctx.update(DAEMONS)
                    .set(DAEMONS.LEASE_UNTIL, now)
                    .where(DAEMONS.DAEMON_ID.eq(daemonId))
                    .execute();
            return ctx.update(SESSIONS)
                    .set(SESSIONS.CONNECTED, false)
                    .set(SESSIONS.LAST_SEEN_AT, now)
                    .where(SESSIONS.DAEMON_ID.eq(daemonId))
                    .and(SESSIONS.CONNECTED.isTrue())
                    .execute();
        });
    }

    /** Every daemon known, most recent heartbeat first; rows of daemons gone for a week are dropped first. */
    public List<DaemonRecord> all() {
        long cutoff = clock.millis() - FORGOTTEN_AFTER.toMillis();
        db.write(ctx ->
                ctx.deleteFrom(DAEMONS).where(DAEMONS.LEASE_UNTIL.lt(cutoff)).execute());
        return db.read(ctx -> ctx.selectFrom(DAEMONS)
                .orderBy(DAEMONS.HEARTBEAT_AT.desc(), DAEMONS.DAEMON_ID)
                .fetch(TeamRepository::row));
    }

    /** The daemons whose lease runs now, this one included when it renewed in time. */
    public List<DaemonRecord> alive() {
        long now = clock.millis();
        return db.read(ctx -> ctx.selectFrom(DAEMONS)
                .where(DAEMONS.LEASE_UNTIL.gt(now))
                .orderBy(DAEMONS.STARTED_AT, DAEMONS.DAEMON_ID)
                .fetch(TeamRepository::row));
    }

    private static DaemonRecord row(DaemonsRecord r) {
        return new DaemonRecord(
                r.getDaemonId(),
                r.getMachine(),
                r.getHome(),
                r.getPid(),
                r.getVersion(),
                r.getStartedAt(),
                r.getHeartbeatAt(),
                r.getLeaseUntil(),
                r.getLarkConnection());
    }
}
