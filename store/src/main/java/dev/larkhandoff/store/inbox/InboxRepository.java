package dev.larkhandoff.store.inbox;

import static dev.larkhandoff.store.jooq.Tables.INBOX;

import dev.larkhandoff.store.Database;
import dev.larkhandoff.store.Locks;
import dev.larkhandoff.store.jooq.tables.records.InboxRecord;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.ResultQuery;
import org.jooq.impl.DSL;

/**
 * The inbox: every inbound Lark event, stored before Lark hears 200, then delivered (or filtered) exactly once.
 * Insertion order is delivery order. Every method is one transaction. Appends take the inbox's lock
 * ({@link Locks#exclusive}), one appender at a time across processes: sequence numbers are then handed out in
 * commit order (a reader never sees event n+1 pending before event n), and the check for a key already stored
 * sees every append committed before. The marks (delivered, filtered, target) are single updates conditioned on
 * the event still being pending, so a second mark of one event changes nothing, from whichever process.
 */
public final class InboxRepository {

    /**
     * "Still pending", with the state written into the SQL rather than bound: a plan PostgreSQL makes once for a
     * bound {@code $1} (its generic plan, which a prepared statement settles on after a few runs) must serve any
     * value, so it cannot use the partial index {@code inbox_pending_in_order} and scans the whole inbox, which keeps
     * every event ever received. (SQLite plans again with the bound value, but the literal costs it nothing.)
     */
    static final Condition IS_PENDING = INBOX.DELIVERY_STATE.eq(DSL.inline(DeliveryState.PENDING.column()));

    private final Database db;
    private final Clock clock;

    public InboxRepository(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Stores the event unless one with its dedupe key is already there (a redelivery). */
    public InsertResult insertIfAbsent(InboxEvent event) {
        return insertAllIfAbsent(List.of(event)).get(0);
    }

    /**
     * Stores several events in one transaction (one commit for all), each unless already there; a key repeated
     * inside the batch counts as inserted once. Three statements per batch, whatever its size, and rows keep
     * the batch's order.
     */
    public List<InsertResult> insertAllIfAbsent(List<InboxEvent> events) {
        if (events.isEmpty()) {
            return List.of();
        }
        long now = clock.millis();
        return db.write(ctx -> {
            Locks.exclusive(ctx, "inbox appends");
            List<String> keys =
                    events.stream().map(InboxEvent::dedupeKey).distinct().toList();
            java.util.Set<String> existing = new java.util.HashSet<>();
            for (List<String> chunk : chunks(keys)) {
                existing.addAll(ctx.select(INBOX.DEDUPE_KEY)
                        .from(INBOX)
                        .where(INBOX.DEDUPE_KEY.in(chunk))
                        .fetch(INBOX.DEDUPE_KEY));
            }
            java.util.Map<String, InboxEvent> fresh = new java.util.LinkedHashMap<>();
            for (InboxEvent e : events) {
                if (!existing.contains(e.dedupeKey())) {
                    fresh.putIfAbsent(e.dedupeKey(), e);
                }
            }
            for (List<InboxEvent> chunk : chunks(new ArrayList<>(fresh.values()))) {
                var insert = ctx.insertInto(
                        INBOX,
                        INBOX.DEDUPE_KEY,
                        INBOX.EVENT_ID,
                        INBOX.EVENT_TYPE,
                        INBOX.MESSAGE_ID,
                        INBOX.CHAT_ID,
                        INBOX.CHAT_TYPE,
                        INBOX.SENDER_OPEN_ID,
                        INBOX.SENDER_TYPE,
                        INBOX.MESSAGE_TYPE,
                        INBOX.RAW_PAYLOAD,
                        INBOX.NORMALIZED_TEXT,
                        INBOX.LARK_CREATE_TIME,
                        INBOX.RECEIVED_AT,
                        INBOX.DELIVERY_STATE,
                        INBOX.TARGET_SESSION_ID);
                for (InboxEvent e : chunk) {
                    insert = insert.values(java.util.Arrays.asList(
                            e.dedupeKey(),
                            e.eventId(),
                            e.eventType(),
                            e.messageId(),
                            e.chatId(),
                            e.chatType(),
                            e.senderOpenId(),
                            e.senderType(),
                            e.messageType(),
                            e.rawPayload(),
                            e.normalizedText(),
                            e.larkCreateTime(),
                            now,
                            DeliveryState.PENDING.column(),
                            e.targetSessionId()));
                }
                insert.execute();
            }
            java.util.Map<String, Long> seqs = new java.util.HashMap<>();
            for (List<String> chunk : chunks(keys)) {
                ctx.select(INBOX.DEDUPE_KEY, INBOX.SEQ)
                        .from(INBOX)
                        .where(INBOX.DEDUPE_KEY.in(chunk))
                        .forEach(r -> seqs.put(r.value1(), r.value2()));
            }
            List<InsertResult> results = new ArrayList<>(events.size());
            java.util.Set<String> reported = new java.util.HashSet<>();
            for (InboxEvent e : events) {
                boolean inserted = fresh.containsKey(e.dedupeKey()) && reported.add(e.dedupeKey());
                results.add(new InsertResult(e.dedupeKey(), seqs.get(e.dedupeKey()), inserted));
            }
            return results;
        });
    }

    /** Bounded pieces, so no statement goes near SQLite's limit on bound variables. */
    private static <T> List<List<T>> chunks(List<T> all) {
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i += 500) {
            out.add(all.subList(i, Math.min(all.size(), i + 500)));
        }
        return out;
    }

    /** Every pending event, oldest first. */
    public List<InboxRow> pending() {
        return db.read(ctx -> pendingQuery(ctx).fetch(InboxRepository::row));
    }

    /** The query of {@link #pending()}, which the index tests explain. */
    static ResultQuery<InboxRecord> pendingQuery(DSLContext ctx) {
        return ctx.selectFrom(INBOX).where(IS_PENDING).orderBy(INBOX.SEQ);
    }

    /** The pending events routed to this session, oldest first. */
    public List<InboxRow> pendingFor(String targetSessionId) {
        return db.read(ctx -> ctx.selectFrom(INBOX)
                .where(IS_PENDING)
                .and(INBOX.TARGET_SESSION_ID.eq(targetSessionId))
                .orderBy(INBOX.SEQ)
                .fetch(InboxRepository::row));
    }

    /** The pending events of one chat, oldest first (the inbox_by_chat index finds them). */
    public List<InboxRow> pendingIn(String chatId) {
        // In the order the chat's people wrote: Lark's creation time, then arrival. On one daemon the two agree; in a
        // team two daemons store the events Lark spread over their connections a few milliseconds apart, in either
        // order, so arrival alone would mix up a burst of messages.
        return db.read(ctx -> ctx.selectFrom(INBOX)
                .where(INBOX.CHAT_ID.eq(chatId))
                .and(IS_PENDING)
                .orderBy(DSL.coalesce(INBOX.LARK_CREATE_TIME, INBOX.RECEIVED_AT), INBOX.SEQ)
                .fetch(InboxRepository::row));
    }

    /** Routes a pending event to a session (or to none with null); delivered events keep their history. */
    public boolean assignTarget(String dedupeKey, String sessionId) {
        return db.write(ctx -> ctx.update(INBOX)
                        .set(INBOX.TARGET_SESSION_ID, sessionId)
                        .where(INBOX.DEDUPE_KEY.eq(dedupeKey))
                        .and(IS_PENDING)
                        .execute()
                == 1);
    }

    /**
     * Marks an event delivered to a session. Idempotent: true the first time, false when it was delivered (or
     * filtered) already, so a replayed acknowledgement changes nothing.
     */
    public boolean markDelivered(String dedupeKey, String sessionId) {
        return markAllDelivered(List.of(dedupeKey), sessionId) == 1;
    }

    /** Marks several events delivered in one transaction; returns how many changed. */
    public int markAllDelivered(List<String> dedupeKeys, String sessionId) {
        long now = clock.millis();
        return db.write(ctx -> ctx.update(INBOX)
                .set(INBOX.DELIVERY_STATE, DeliveryState.DELIVERED.column())
                .set(INBOX.DELIVERED_TO_SESSION, sessionId)
                .set(INBOX.DELIVERED_AT, now)
                .where(INBOX.DEDUPE_KEY.in(dedupeKeys))
                .and(IS_PENDING)
                .execute());
    }

    /** Keeps an event from every session (kept for history), saying why; false when it was no longer pending. */
    public boolean markFiltered(String dedupeKey, String reason) {
        return db.write(ctx -> ctx.update(INBOX)
                        .set(INBOX.DELIVERY_STATE, DeliveryState.FILTERED.column())
                        .set(INBOX.FILTER_REASON, reason)
                        .where(INBOX.DEDUPE_KEY.eq(dedupeKey))
                        .and(IS_PENDING)
                        .execute()
                == 1);
    }

    /**
     * Puts back to pending every filtered event whose reason starts with {@code reasonPrefix}, so routing judges
     * it again (it was withheld for a cause that has passed); returns how many. Their order is kept.
     */
    public int repend(String reasonPrefix) {
        if (reasonPrefix == null || reasonPrefix.isEmpty()) {
            throw new IllegalArgumentException(
                    "a reason prefix is required: an empty one would re-pend every filtered event");
        }
        return db.write(ctx -> ctx.update(INBOX)
                .set(INBOX.DELIVERY_STATE, DeliveryState.PENDING.column())
                .set(INBOX.FILTER_REASON, (String) null)
                .where(INBOX.DELIVERY_STATE.eq(DeliveryState.FILTERED.column()))
                .and(INBOX.FILTER_REASON.startsWith(reasonPrefix))
                .execute());
    }

    /** The chat a received message was posted in, if the inbox has it. */
    public Optional<String> chatOfMessage(String messageId) {
        return db.read(ctx -> ctx.select(INBOX.CHAT_ID)
                .from(INBOX)
                .where(INBOX.MESSAGE_ID.eq(messageId))
                .and(INBOX.CHAT_ID.isNotNull())
                .and(INBOX.EVENT_TYPE.eq("im.message.receive_v1"))
                .limit(1)
                .fetchOptional(INBOX.CHAT_ID));
    }

    public Optional<InboxRow> find(String dedupeKey) {
        return db.read(ctx ->
                ctx.selectFrom(INBOX).where(INBOX.DEDUPE_KEY.eq(dedupeKey)).fetchOptional(InboxRepository::row));
    }

    /** The newest {@code limit} events of a chat, in the order they arrived (filtered ones included). */
    public List<InboxRow> history(String chatId, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, got " + limit);
        }
        List<InboxRow> newestFirst = db.read(ctx -> ctx.selectFrom(INBOX)
                .where(INBOX.CHAT_ID.eq(chatId))
                .orderBy(INBOX.SEQ.desc())
                .limit(limit)
                .fetch(InboxRepository::row));
        List<InboxRow> out = new ArrayList<>(newestFirst);
        Collections.reverse(out);
        return out;
    }

    /** Deletes delivered and filtered events received before {@code olderThan}; pending ones are never touched. */
    public int prune(Instant olderThan) {
        return db.write(ctx -> ctx.deleteFrom(INBOX)
                .where(INBOX.RECEIVED_AT.lt(olderThan.toEpochMilli()))
                .and(INBOX.DELIVERY_STATE.ne(DeliveryState.PENDING.column()))
                .execute());
    }

    public long count() {
        return db.read(ctx -> (long) ctx.fetchCount(INBOX));
    }

    private static InboxRow row(InboxRecord r) {
        InboxEvent event = new InboxEvent(
                r.getDedupeKey(),
                r.getEventId(),
                r.getEventType(),
                r.getMessageId(),
                r.getChatId(),
                r.getChatType(),
                r.getSenderOpenId(),
                r.getSenderType(),
                r.getMessageType(),
                r.getRawPayload(),
                r.getNormalizedText(),
                r.getLarkCreateTime(),
                r.getTargetSessionId());
        return new InboxRow(
                r.getSeq(),
                event,
                r.getReceivedAt(),
                DeliveryState.of(r.getDeliveryState()),
                r.getDeliveredToSession(),
                r.getDeliveredAt(),
                r.getFilterReason());
    }
}
