package dev.larkhandoff.store.channel;

import static dev.larkhandoff.store.jooq.Tables.CHANNEL_STATE;
import static dev.larkhandoff.store.jooq.Tables.OWNERSHIP_LOG;

import dev.larkhandoff.store.Database;
import dev.larkhandoff.store.Locks;
import dev.larkhandoff.store.jooq.tables.records.ChannelStateRecord;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.jooq.DSLContext;

/**
 * The persisted channel ownership state and its audit log. A change is a compare-and-set inside one write
 * transaction: read the state (locking its row, so that a change in another process waits for this one), apply the
 * caller's rule, write the new state and its log row together, or nothing at all. The store, not the rule, sets
 * the epoch: +1 exactly when the owner changes. On PostgreSQL the rule may be applied more than once (the
 * transaction is run again after a deadlock or a lost connection), each time to the state then current.
 */
public final class ChannelStateRepository {

    private final Database db;
    private final Clock clock;

    public ChannelStateRepository(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public ChannelState current() {
        return db.read(ChannelStateRepository::read);
    }

    /**
     * Applies {@code rule} to the current state atomically. A rule may throw to refuse (the exception reaches the
     * caller and nothing changes). Returning an equal state writes and logs nothing.
     */
    public Transition transition(OwnershipChange change, UnaryOperator<ChannelState> rule) {
        return db.write(ctx -> apply(ctx, readForUpdate(ctx), change, rule));
    }

    /** As {@link #transition}, but only if the epoch is still {@code expectedEpoch}; else EpochConflictException. */
    public Transition compareAndSet(long expectedEpoch, OwnershipChange change, UnaryOperator<ChannelState> rule) {
        return db.write(ctx -> {
            ChannelState current = readForUpdate(ctx);
            if (current.leaseEpoch() != expectedEpoch) {
                throw new EpochConflictException(expectedEpoch, current.leaseEpoch());
            }
            return apply(ctx, current, change, rule);
        });
    }

    private Transition apply(
            DSLContext ctx, ChannelState before, OwnershipChange change, UnaryOperator<ChannelState> rule) {
        ChannelState proposed = Objects.requireNonNull(rule.apply(before), "a channel rule returned null");
        boolean ownerChanged = !Objects.equals(before.ownerSessionId(), proposed.ownerSessionId());
        ChannelState after = new ChannelState(
                proposed.ownerSessionId(),
                proposed.dispatcherSessionId(),
                proposed.grantedSessionId(),
                before.leaseEpoch() + (ownerChanged ? 1 : 0));
        if (after.sameAs(before)) {
            return new Transition(before, before, false);
        }
        long now = clock.millis();
        ctx.update(CHANNEL_STATE)
                .set(CHANNEL_STATE.OWNER_SESSION_ID, after.ownerSessionId())
                .set(CHANNEL_STATE.DISPATCHER_SESSION_ID, after.dispatcherSessionId())
                .set(CHANNEL_STATE.GRANTED_SESSION_ID, after.grantedSessionId())
                .set(CHANNEL_STATE.LEASE_EPOCH, after.leaseEpoch())
                .set(CHANNEL_STATE.UPDATED_AT, now)
                .where(CHANNEL_STATE.ID.eq(1L))
                .execute();
        ctx.insertInto(OWNERSHIP_LOG)
                .set(OWNERSHIP_LOG.ACTION, change.action())
                .set(OWNERSHIP_LOG.CALLER_SESSION_ID, change.callerSessionId())
                .set(OWNERSHIP_LOG.OLD_OWNER_SESSION_ID, before.ownerSessionId())
                .set(OWNERSHIP_LOG.NEW_OWNER_SESSION_ID, after.ownerSessionId())
                .set(OWNERSHIP_LOG.OLD_EPOCH, before.leaseEpoch())
                .set(OWNERSHIP_LOG.NEW_EPOCH, after.leaseEpoch())
                .set(OWNERSHIP_LOG.OLD_GRANTED_SESSION_ID, before.grantedSessionId())
                .set(OWNERSHIP_LOG.NEW_GRANTED_SESSION_ID, after.grantedSessionId())
                .set(OWNERSHIP_LOG.DISPATCHER_SESSION_ID, after.dispatcherSessionId())
                .set(OWNERSHIP_LOG.REASON, change.reason())
                .set(OWNERSHIP_LOG.CHANGED_AT, now)
                .execute();
        return new Transition(before, after, true);
    }

    /** The newest {@code limit} log entries, oldest first. */
    public List<OwnershipLogEntry> log(int limit) {
        List<OwnershipLogEntry> newestFirst = db.read(ctx -> ctx.selectFrom(OWNERSHIP_LOG)
                .orderBy(OWNERSHIP_LOG.SEQ.desc())
                .limit(limit)
                .fetch(r -> new OwnershipLogEntry(
                        r.getSeq(),
                        r.getAction(),
                        r.getCallerSessionId(),
                        r.getOldOwnerSessionId(),
                        r.getNewOwnerSessionId(),
                        r.getOldEpoch(),
                        r.getNewEpoch(),
                        r.getOldGrantedSessionId(),
                        r.getNewGrantedSessionId(),
                        r.getDispatcherSessionId(),
                        r.getReason(),
                        r.getChangedAt())));
        List<OwnershipLogEntry> out = new java.util.ArrayList<>(newestFirst);
        java.util.Collections.reverse(out);
        return out;
    }

    private static ChannelState read(DSLContext ctx) {
        return state(
                ctx.selectFrom(CHANNEL_STATE).where(CHANNEL_STATE.ID.eq(1L)).fetchSingle());
    }

    /** The state, its row locked until the transaction ends: the log rows follow one another in epoch order. */
    private static ChannelState readForUpdate(DSLContext ctx) {
        return state(Locks.forUpdate(ctx, ctx.selectFrom(CHANNEL_STATE).where(CHANNEL_STATE.ID.eq(1L)))
                .fetchSingle());
    }

    private static ChannelState state(ChannelStateRecord r) {
        return new ChannelState(
                r.getOwnerSessionId(), r.getDispatcherSessionId(), r.getGrantedSessionId(), r.getLeaseEpoch());
    }
}
