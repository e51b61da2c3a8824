package dev.larkhandoff.store;

import static dev.larkhandoff.store.jooq.Tables.CHANNEL_STATE;
import static dev.larkhandoff.store.jooq.Tables.CHAT_CONFIG;
import static dev.larkhandoff.store.jooq.Tables.CHAT_MEMBERS;
import static dev.larkhandoff.store.jooq.Tables.HANDOFF_BINDINGS;
import static dev.larkhandoff.store.jooq.Tables.INBOX;
import static dev.larkhandoff.store.jooq.Tables.OWNERSHIP_LOG;
import static dev.larkhandoff.store.jooq.Tables.PERMISSION_REQUESTS;
import static dev.larkhandoff.store.jooq.Tables.SENT_MESSAGES;
import static dev.larkhandoff.store.jooq.Tables.SESSIONS;
import static dev.larkhandoff.store.jooq.Tables.SETTINGS;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import org.jooq.BatchBindStep;
import org.jooq.Condition;
import org.jooq.Cursor;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SortField;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * Copies every row of one store into another without overwriting anything there: how a home that started alone
 * on its SQLite file moves into the PostgreSQL database its team shares (docs/team-mode.md, "Moving to team
 * mode"). A row is copied when the target has none with its identity, counted as already there when the target
 * has it equal, and reported as conflicting (and left as the target has it) when the target's differs: the team
 * may already rely on the target's. Running it again therefore changes nothing.
 *
 * <p>Identities: each table's primary key, except the two with a sequence number, which the target hands out
 * anew, in the source's order. An inbox row is known by its {@code dedupe_key}. An ownership-log row has no key
 * of its own: it is known by its whole content, and the copy makes the target hold each content at least as many
 * times as the source does (rows of other machines never match: their session ids and times differ).
 * {@code channel_state} is taken from the source only while the target's is still the untouched initial state.
 * The {@code daemons} rows are not copied (each daemon writes its own lease), nor the write probe in
 * {@code settings}.
 *
 * <p>Tables are copied in an order that satisfies their references (sessions first), each in batches, every
 * batch one write transaction on the target that takes the same {@link Locks} as the repositories, so daemons
 * already serving the target may keep running.
 */
public final class StoreCopy {

    /** Source rows per target transaction: a few hundred keep both the statements and the locks short. */
    static final int BATCH = 500;

    /** The write probe's key in {@code settings} ({@link Database#probeWrite}): each store's own, not data. */
    private static final String PROBE_KEY = "store_probe";

    /** How many conflicts a report names per table; the count is always complete. */
    public static final int CONFLICTS_NAMED = 50;

    private StoreCopy() {}

    /**
     * What happened to one table's rows.
     *
     * @param conflicts   one line per row left as the target has it, saying why (at most {@link #CONFLICTS_NAMED})
     * @param conflicting how many rows were left as the target has them
     */
    public record TableCopy(String table, int copied, int alreadyThere, int conflicting, List<String> conflicts) {

        public TableCopy {
            conflicts = List.copyOf(conflicts);
        }

        TableCopy plus(TableCopy more) {
            List<String> named = new ArrayList<>(conflicts);
            for (String c : more.conflicts) {
                if (named.size() < CONFLICTS_NAMED) {
                    named.add(c);
                }
            }
            return new TableCopy(
                    table,
                    copied + more.copied,
                    alreadyThere + more.alreadyThere,
                    conflicting + more.conflicting,
                    named);
        }
    }

    /** What a copy did, table by table in the order they were copied. */
    public record Report(StoreLocation from, StoreLocation to, List<TableCopy> tables) {

        public Report {
            tables = List.copyOf(tables);
        }

        public int copied() {
            return tables.stream().mapToInt(TableCopy::copied).sum();
        }

        public int alreadyThere() {
            return tables.stream().mapToInt(TableCopy::alreadyThere).sum();
        }

        public int conflicting() {
            return tables.stream().mapToInt(TableCopy::conflicting).sum();
        }

        /** Whether the target was left exactly as it was. */
        public boolean changedNothing() {
            return copied() == 0;
        }

        /** The named table's counts. */
        public TableCopy table(String name) {
            return tables.stream()
                    .filter(t -> t.table().equals(name))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no table " + name + " in the report"));
        }
    }

    /** Copies every row of {@code from} that {@code to} lacks; see the class comment for what counts as lacking. */
    public static Report copy(Store from, Store to) {
        Database src = from.database();
        Database dst = to.database();
        List<TableCopy> tables = new ArrayList<>();
        // A session is connected only to a running daemon, and the source's has stopped (it held the source).
        tables.add(keyed(
                src,
                dst,
                Keyed.of(SESSIONS, SESSIONS.SESSION_ID)
                        .time(SESSIONS.LAST_SEEN_AT)
                        .override(SESSIONS.CONNECTED, false)));
        tables.addAll(channel(src, dst));
        tables.add(keyed(
                src,
                dst,
                Keyed.of(INBOX, INBOX.DEDUPE_KEY)
                        .orderBy(INBOX.SEQ.asc())
                        .without(INBOX.SEQ)
                        .time(INBOX.RECEIVED_AT)
                        .lock((ctx, rows) -> Locks.exclusive(ctx, "inbox appends"))));
        tables.add(keyed(
                src,
                dst,
                Keyed.of(HANDOFF_BINDINGS, HANDOFF_BINDINGS.CHAT_ID)
                        .unique(HANDOFF_BINDINGS.SESSION_ID)
                        .time(HANDOFF_BINDINGS.ACTIVATED_AT)
                        .lock((ctx, rows) -> Locks.exclusive(ctx, "handoff_bindings"))));
        tables.add(keyed(src, dst, Keyed.of(CHAT_CONFIG, CHAT_CONFIG.CHAT_ID).time(CHAT_CONFIG.CACHED_AT)));
        tables.add(keyed(
                src,
                dst,
                Keyed.of(CHAT_MEMBERS, CHAT_MEMBERS.CHAT_ID, CHAT_MEMBERS.OPEN_ID)
                        .time(CHAT_MEMBERS.ADDED_AT)
                        .lock((ctx, rows) -> {
                            // In one order in every process, so two copies (or a copy and a member change) cannot
                            // deadlock.
                            Set<String> chats = new TreeSet<>();
                            rows.forEach(r -> chats.add(r.get(CHAT_MEMBERS.CHAT_ID)));
                            chats.forEach(chat -> Locks.exclusive(ctx, "chat_members " + chat));
                        })));
        tables.add(keyed(
                src, dst, Keyed.of(SENT_MESSAGES, SENT_MESSAGES.MESSAGE_ID).time(SENT_MESSAGES.SENT_AT)));
        tables.add(keyed(
                src,
                dst,
                Keyed.of(PERMISSION_REQUESTS, PERMISSION_REQUESTS.REQUEST_ID).time(PERMISSION_REQUESTS.CREATED_AT)));
        tables.add(keyed(
                src,
                dst,
                Keyed.of(SETTINGS, SETTINGS.KEY)
                        .where(SETTINGS.KEY.ne(PROBE_KEY))
                        .time(SETTINGS.UPDATED_AT)));
        return new Report(from.location(), to.location(), tables);
    }

    // ---- tables keyed by a primary key (or a unique key) ----

    /** How one keyed table is copied. */
    private record Keyed(
            Table<?> table,
            List<Field<?>> key,
            List<SortField<?>> order,
            Set<Field<?>> without,
            Map<Field<?>, Object> overrides,
            List<Field<?>> unique,
            Condition where,
            Field<Long> time,
            BiConsumer<DSLContext, List<Record>> lock) {

        static Keyed of(Table<?> table, Field<?>... key) {
            List<SortField<?>> order = new ArrayList<>();
            for (Field<?> k : key) {
                order.add(k.asc());
            }
            return new Keyed(
                    table, List.of(key), order, Set.of(), Map.of(), List.of(), DSL.noCondition(), null, (c, r) -> {});
        }

        Keyed orderBy(SortField<?>... by) {
            return new Keyed(table, key, List.of(by), without, overrides, unique, where, time, lock);
        }

        Keyed without(Field<?> field) {
            return new Keyed(table, key, order, Set.of(field), overrides, unique, where, time, lock);
        }

        <T> Keyed override(Field<T> field, T value) {
            return new Keyed(table, key, order, without, Map.of(field, value), unique, where, time, lock);
        }

        Keyed unique(Field<?> field) {
            return new Keyed(table, key, order, without, overrides, List.of(field), where, time, lock);
        }

        Keyed where(Condition condition) {
            return new Keyed(table, key, order, without, overrides, unique, condition, time, lock);
        }

        Keyed time(Field<Long> field) {
            return new Keyed(table, key, order, without, overrides, unique, where, field, lock);
        }

        Keyed lock(BiConsumer<DSLContext, List<Record>> taken) {
            return new Keyed(table, key, order, without, overrides, unique, where, time, taken);
        }

        /** The columns copied and compared: all but those the target hands out itself. */
        List<Field<?>> fields() {
            List<Field<?>> out = new ArrayList<>();
            for (Field<?> f : table.fields()) {
                if (without.stream().noneMatch(w -> w.getName().equals(f.getName()))) {
                    out.add(f);
                }
            }
            return out;
        }

        List<Object> keyOf(Record r) {
            List<Object> k = new ArrayList<>(key.size());
            key.forEach(f -> k.add(r.get(f)));
            return k;
        }

        String describe(Record r) {
            return table.getName() + " "
                    + keyOf(r).stream().map(String::valueOf).collect(Collectors.joining(" / "));
        }
    }

    private static TableCopy keyed(Database src, Database dst, Keyed spec) {
        List<Field<?>> fields = spec.fields();
        return src.read(in -> {
            TableCopy total = new TableCopy(spec.table().getName(), 0, 0, 0, List.of());
            try (Cursor<Record> rows = in.select(fields)
                    .from(spec.table())
                    .where(spec.where())
                    .orderBy(spec.order())
                    .fetchLazy()) {
                while (rows.hasNext()) {
                    List<Record> batch = new ArrayList<>();
                    for (Record r : rows.fetchNext(BATCH)) {
                        spec.overrides().forEach((f, v) -> set(r, f, v));
                        batch.add(r);
                    }
                    total = total.plus(dst.write(out -> keyedBatch(out, spec, fields, batch)));
                }
            }
            return total;
        });
    }

    /** One batch in one target transaction; it may run more than once (see {@link Database#write}). */
    private static TableCopy keyedBatch(DSLContext out, Keyed spec, List<Field<?>> fields, List<Record> batch) {
        spec.lock().accept(out, batch);
        Map<List<Object>, Record> there = new HashMap<>();
        for (Record r : out.select(fields)
                .from(spec.table())
                .where(keyIn(spec.key(), batch.stream().map(spec::keyOf).toList()))
                .fetch()) {
            there.put(spec.keyOf(r), r);
        }
        // For a second unique key (a session is bound to one chat): who holds each value in the target.
        Map<Field<?>, Map<Object, Record>> holders = new HashMap<>();
        for (Field<?> u : spec.unique()) {
            @SuppressWarnings("unchecked")
            Field<Object> field = (Field<Object>) u;
            Map<Object, Record> byValue = new HashMap<>();
            for (Record r : out.select(fields)
                    .from(spec.table())
                    .where(field.in(batch.stream().map(b -> b.get(field)).toList()))
                    .fetch()) {
                byValue.put(r.get(field), r);
            }
            holders.put(u, byValue);
        }
        List<Record> fresh = new ArrayList<>();
        int already = 0;
        List<String> conflicts = new ArrayList<>();
        for (Record r : batch) {
            Record existing = there.get(spec.keyOf(r));
            if (existing != null) {
                List<String> differ = differing(fields, r, existing);
                if (differ.isEmpty()) {
                    already++;
                } else {
                    conflicts.add(spec.describe(r) + ": the database's row differs in " + String.join(", ", differ)
                            + newer(spec.time(), r, existing) + "; left as the database has it");
                }
                continue;
            }
            Record holder = null;
            Field<?> held = null;
            for (Field<?> u : spec.unique()) {
                Record h = holders.get(u).get(r.get(u));
                if (h != null) {
                    holder = h;
                    held = u;
                }
            }
            if (holder != null) {
                conflicts.add(spec.describe(r) + ": its " + held.getName() + " " + r.get(held) + " belongs to "
                        + spec.describe(holder) + " in the database; left as the database has it");
                continue;
            }
            fresh.add(r);
        }
        insert(out, spec.table(), fields, fresh);
        return new TableCopy(spec.table().getName(), fresh.size(), already, conflicts.size(), conflicts);
    }

    private static Condition keyIn(List<Field<?>> key, List<List<Object>> values) {
        if (key.size() == 1) {
            @SuppressWarnings("unchecked")
            Field<Object> only = (Field<Object>) key.get(0);
            return only.in(values.stream().map(v -> v.get(0)).toList());
        }
        List<Condition> each = new ArrayList<>();
        for (List<Object> v : values) {
            List<Condition> parts = new ArrayList<>();
            for (int i = 0; i < key.size(); i++) {
                @SuppressWarnings("unchecked")
                Field<Object> f = (Field<Object>) key.get(i);
                parts.add(f.eq(v.get(i)));
            }
            each.add(DSL.and(parts));
        }
        return DSL.or(each);
    }

    /**
     * The rows in their order, as one prepared statement run as a batch: the statements run in order, so a column
     * the target numbers itself (the inbox's {@code seq}) numbers them in the source's order.
     */
    private static void insert(DSLContext out, Table<?> table, List<Field<?>> fields, List<Record> rows) {
        if (rows.isEmpty()) {
            return;
        }
        BatchBindStep batch =
                out.batch(out.insertInto(table, fields).values(Collections.nCopies(fields.size(), (Object) null)));
        for (Record r : rows) {
            Object[] values = new Object[fields.size()];
            for (int i = 0; i < fields.size(); i++) {
                values[i] = r.get(fields.get(i));
            }
            batch = batch.bind(values);
        }
        batch.execute();
    }

    private static List<String> differing(List<Field<?>> fields, Record a, Record b) {
        List<String> out = new ArrayList<>();
        for (Field<?> f : fields) {
            if (!Objects.equals(a.get(f), b.get(f))) {
                out.add(f.getName());
            }
        }
        return out;
    }

    private static String newer(Field<Long> time, Record source, Record target) {
        if (time == null) {
            return "";
        }
        Long mine = source.get(time);
        Long theirs = target.get(time);
        if (mine == null || theirs == null || mine.equals(theirs)) {
            return "";
        }
        return theirs > mine
                ? " (the database's is newer by " + time.getName() + ")"
                : " (this home's is newer by " + time.getName() + ", but the team may already rely on the database's)";
    }

    @SuppressWarnings("unchecked")
    private static void set(Record r, Field<?> field, Object value) {
        r.set((Field<Object>) field, value);
    }

    // ---- the channel's state and its log ----

    /**
     * The channel's one state row and its log, in one target transaction that holds the state row's lock, as every
     * change of the channel does: the log stays in step with the state.
     */
    private static List<TableCopy> channel(Database src, Database dst) {
        record Source(Record state, List<Record> log) {}
        List<Field<?>> stateFields = List.of(CHANNEL_STATE.fields());
        List<Field<?>> logFields = new ArrayList<>(List.of(OWNERSHIP_LOG.fields()));
        logFields.removeIf(f -> f.getName().equals(OWNERSHIP_LOG.SEQ.getName()));
        Source source = src.read(in -> new Source(
                in.select(stateFields)
                        .from(CHANNEL_STATE)
                        .where(CHANNEL_STATE.ID.eq(1L))
                        .fetchSingle(),
                in.select(logFields)
                        .from(OWNERSHIP_LOG)
                        .orderBy(OWNERSHIP_LOG.SEQ)
                        .fetch()));
        return dst.write(out -> {
            Record there = Locks.forUpdate(
                            out, out.select(stateFields).from(CHANNEL_STATE).where(CHANNEL_STATE.ID.eq(1L)))
                    .fetchSingle();
            TableCopy state;
            if (differing(stateFields, source.state(), there).isEmpty() || isInitial(source.state())) {
                // Nothing to carry over: equal, or the source's channel never had an owner, a dispatcher or a grant.
                state = new TableCopy(CHANNEL_STATE.getName(), 0, 1, 0, List.of());
            } else if (isInitial(there)) {
                var update = out.update(CHANNEL_STATE).set(CHANNEL_STATE.ID, 1L);
                for (Field<?> f : stateFields) {
                    update = update.set(field(f), source.state().get(f));
                }
                update.where(CHANNEL_STATE.ID.eq(1L)).execute();
                state = new TableCopy(CHANNEL_STATE.getName(), 1, 0, 0, List.of());
            } else {
                state = new TableCopy(
                        CHANNEL_STATE.getName(),
                        0,
                        0,
                        1,
                        List.of("channel_state: the database's channel already has an owner, a dispatcher, a grant or"
                                + " an epoch of its own (epoch " + there.get(CHANNEL_STATE.LEASE_EPOCH)
                                + ", this home's " + source.state().get(CHANNEL_STATE.LEASE_EPOCH)
                                + "); left as the database has it"));
            }
            // The target's log as a multiset of contents; each source row consumes one equal row, or is appended.
            Map<List<Object>, Integer> logged = new LinkedHashMap<>();
            for (Record r : out.select(logFields).from(OWNERSHIP_LOG).fetch()) {
                logged.merge(Arrays.asList(r.intoArray()), 1, Integer::sum);
            }
            List<Record> fresh = new ArrayList<>();
            int already = 0;
            for (Record r : source.log()) {
                List<Object> content = Arrays.asList(r.intoArray());
                Integer left = logged.get(content);
                if (left != null && left > 0) {
                    logged.put(content, left - 1);
                    already++;
                } else {
                    fresh.add(r);
                }
            }
            insert(out, OWNERSHIP_LOG, logFields, fresh);
            return List.of(state, new TableCopy(OWNERSHIP_LOG.getName(), fresh.size(), already, 0, List.of()));
        });
    }

    /** The state a new store starts with: epoch 0, no owner, no dispatcher, no grant. */
    private static boolean isInitial(Record state) {
        return state.get(CHANNEL_STATE.LEASE_EPOCH) == 0L
                && state.get(CHANNEL_STATE.OWNER_SESSION_ID) == null
                && state.get(CHANNEL_STATE.DISPATCHER_SESSION_ID) == null
                && state.get(CHANNEL_STATE.GRANTED_SESSION_ID) == null;
    }

    @SuppressWarnings("unchecked")
    private static Field<Object> field(Field<?> f) {
        return (Field<Object>) f;
    }
}
