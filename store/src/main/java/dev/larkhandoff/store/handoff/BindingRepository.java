package dev.larkhandoff.store.handoff;

import static dev.larkhandoff.store.jooq.Tables.HANDOFF_BINDINGS;

import dev.larkhandoff.store.Database;
import dev.larkhandoff.store.Locks;
import dev.larkhandoff.store.jooq.tables.records.HandoffBindingsRecord;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jooq.DSLContext;

/**
 * Handoff bindings between chats and sessions, claimed and taken over atomically: a claim never steals, a
 * takeover is a compare-and-swap on the holder the caller saw. Every change takes the bindings' lock first
 * ({@link Locks#exclusive}): a claim reads the chat's holder and the session's other binding before it writes,
 * and a concurrent claim in another process must not decide on what this one is about to change. Bindings change
 * at the pace of people handing chats over, so one lock for all of them costs nothing.
 */
public final class BindingRepository {

    private static final String LOCK = "handoff_bindings";

    private final Database db;
    private final Clock clock;

    public BindingRepository(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /**
     * Binds the chat to the session unless another session holds it. The session's binding to any other chat is
     * dropped (one chat per session). Claiming a chat one already holds refreshes the binding.
     */
    public ClaimResult claim(Binding requested) {
        long now = clock.millis();
        return db.write(ctx -> {
            Locks.exclusive(ctx, LOCK);
            String holder = holder(ctx, requested.chatId());
            if (holder != null && !holder.equals(requested.sessionId())) {
                return new ClaimResult.Taken(holder);
            }
            return new ClaimResult.Claimed(bind(ctx, requested, now), null);
        });
    }

    /**
     * Takes the chat over if its holder is still {@code expectedHolder} (null: expected free). On success the
     * previous holder loses the chat and is named in the result so it can be told.
     */
    public ClaimResult takeover(Binding requested, String expectedHolder) {
        long now = clock.millis();
        return db.write(ctx -> {
            Locks.exclusive(ctx, LOCK);
            String holder = holder(ctx, requested.chatId());
            if (!Objects.equals(holder, expectedHolder)
                    && !requested.sessionId().equals(holder)) {
                return new ClaimResult.Taken(holder);
            }
            Binding bound = bind(ctx, requested, now);
            return new ClaimResult.Claimed(bound, requested.sessionId().equals(holder) ? null : holder);
        });
    }

    private static Binding bind(DSLContext ctx, Binding b, long now) {
        ctx.deleteFrom(HANDOFF_BINDINGS)
                .where(HANDOFF_BINDINGS.CHAT_ID.eq(b.chatId()).or(HANDOFF_BINDINGS.SESSION_ID.eq(b.sessionId())))
                .execute();
        ctx.insertInto(HANDOFF_BINDINGS)
                .set(HANDOFF_BINDINGS.CHAT_ID, b.chatId())
                .set(HANDOFF_BINDINGS.SESSION_ID, b.sessionId())
                .set(HANDOFF_BINDINGS.OPERATOR_OPEN_ID, b.operatorOpenId())
                .set(HANDOFF_BINDINGS.BOT_OPEN_ID, b.botOpenId())
                .set(HANDOFF_BINDINGS.NEED_MENTION, b.needMention())
                .set(HANDOFF_BINDINGS.MODEL, b.model())
                .set(HANDOFF_BINDINGS.TOOL, b.tool())
                .set(HANDOFF_BINDINGS.ACTIVATED_AT, now)
                .set(HANDOFF_BINDINGS.LAST_CONSUMED_MESSAGE_TIME, b.lastConsumedMessageTime())
                .execute();
        return ctx.selectFrom(HANDOFF_BINDINGS)
                .where(HANDOFF_BINDINGS.CHAT_ID.eq(b.chatId()))
                .fetchSingle(BindingRepository::row);
    }

    private static String holder(DSLContext ctx, String chatId) {
        return ctx.select(HANDOFF_BINDINGS.SESSION_ID)
                .from(HANDOFF_BINDINGS)
                .where(HANDOFF_BINDINGS.CHAT_ID.eq(chatId))
                .fetchOne(HANDOFF_BINDINGS.SESSION_ID);
    }

    /** Ends the session's handoff in the chat; false when it did not hold it. */
    public boolean release(String chatId, String sessionId) {
        return db.write(ctx -> {
            Locks.exclusive(ctx, LOCK);
            return ctx.deleteFrom(HANDOFF_BINDINGS)
                            .where(HANDOFF_BINDINGS.CHAT_ID.eq(chatId))
                            .and(HANDOFF_BINDINGS.SESSION_ID.eq(sessionId))
                            .execute()
                    == 1;
        });
    }

    /**
     * Ends whatever handoff the chat has (the chat was dissolved or forgotten), returning the binding that was
     * removed so its session can be told.
     */
    public Optional<Binding> releaseChat(String chatId) {
        return db.write(ctx -> {
            Locks.exclusive(ctx, LOCK);
            Optional<Binding> held = ctx.selectFrom(HANDOFF_BINDINGS)
                    .where(HANDOFF_BINDINGS.CHAT_ID.eq(chatId))
                    .fetchOptional(BindingRepository::row);
            held.ifPresent(b -> ctx.deleteFrom(HANDOFF_BINDINGS)
                    .where(HANDOFF_BINDINGS.CHAT_ID.eq(chatId))
                    .execute());
            return held;
        });
    }

    /** Moves the consumed mark forward, never back; true when it moved (the session holds the chat and the time is newer). */
    public boolean markConsumed(String chatId, String sessionId, long messageTime) {
        return db.write(ctx -> {
            // Under the lock too: a claim that refreshes the binding replaces its row, and an update waiting on
            // the old row would find it gone and miss the new one.
            Locks.exclusive(ctx, LOCK);
            return ctx.update(HANDOFF_BINDINGS)
                            .set(HANDOFF_BINDINGS.LAST_CONSUMED_MESSAGE_TIME, messageTime)
                            .where(HANDOFF_BINDINGS.CHAT_ID.eq(chatId))
                            .and(HANDOFF_BINDINGS.SESSION_ID.eq(sessionId))
                            .and(HANDOFF_BINDINGS
                                    .LAST_CONSUMED_MESSAGE_TIME
                                    .isNull()
                                    .or(HANDOFF_BINDINGS.LAST_CONSUMED_MESSAGE_TIME.lt(messageTime)))
                            .execute()
                    == 1;
        });
    }

    public Optional<Binding> find(String chatId) {
        return db.read(ctx -> ctx.selectFrom(HANDOFF_BINDINGS)
                .where(HANDOFF_BINDINGS.CHAT_ID.eq(chatId))
                .fetchOptional(BindingRepository::row));
    }

    public Optional<Binding> findBySession(String sessionId) {
        return db.read(ctx -> ctx.selectFrom(HANDOFF_BINDINGS)
                .where(HANDOFF_BINDINGS.SESSION_ID.eq(sessionId))
                .fetchOptional(BindingRepository::row));
    }

    public List<Binding> all() {
        return db.read(ctx -> ctx.selectFrom(HANDOFF_BINDINGS)
                .orderBy(HANDOFF_BINDINGS.ACTIVATED_AT)
                .fetch(BindingRepository::row));
    }

    private static Binding row(HandoffBindingsRecord r) {
        return new Binding(
                r.getChatId(),
                r.getSessionId(),
                r.getOperatorOpenId(),
                r.getBotOpenId(),
                Boolean.TRUE.equals(r.getNeedMention()),
                r.getModel(),
                r.getTool(),
                r.getActivatedAt(),
                r.getLastConsumedMessageTime());
    }
}
