package dev.larkhandoff.server.handoff;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.routing.WakeSignal;
import dev.larkhandoff.store.SettingsRepository;
import dev.larkhandoff.store.chat.ChatRepository;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.handoff.BindingRepository;
import dev.larkhandoff.store.inbox.InboxRepository;
import dev.larkhandoff.store.inbox.InboxRow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handoff's reply loop on the daemon side: a bound session's wait takes the pending rows of its chat, screens
 * them with {@link ReplyFilters} (rows kept back are marked filtered with the reason, so nothing is lost by
 * filtering), and returns the replies. A reply counts as read when the agent answers (posts to its
 * chat, or hands back): until then it stays pending and {@code wait_for_reply} returns it again, so a reply whose
 * result never reached the agent (the daemon or proxy died, the call was cancelled) is not lost. Which replies
 * were handed out, and which sessions lost their chat to a takeover and have not been told, are kept in the store,
 * so a restarted daemon knows them too.
 */
public final class HandoffInbox {

    private static final Logger log = LoggerFactory.getLogger(HandoffInbox.class);
    private static final String UNANSWERED = "handoff.unanswered:";
    private static final String LOST = "handoff.lost:";
    /** How long a wait whose chat vanished waits for the takeover notice that explains it. */
    private static final long LOST_NOTICE_GRACE_MS = 3_000;
    /**
     * The JSON of one page of replies: a backlog (a long absence, Lark's 150 KB messages) must not make a result
     * larger than the transports carry, which would lose or hang it. Transports escape it once more (at most
     * doubling it), well under the 8 MiB socket frame.
     */
    public static final long PAGE_BYTES = 2L * 1024 * 1024;

    /** How a wait ended. */
    public sealed interface Outcome {
        /**
         * Replies from the chat, oldest first (never empty), at most a page of them ({@link #PAGE_BYTES});
         * {@code more} when further replies wait behind them (they come once these are answered).
         */
        record Replies(Binding binding, List<HandoffReply> replies, boolean more) implements Outcome {}

        /** Another session took the chat over, or it was dissolved; this one should stop quietly. */
        record TakenOver(String chatId) implements Outcome {}

        record TimedOut() implements Outcome {}

        /** The session holds no chat (never started, or handed back). */
        record NotBound() implements Outcome {}
    }

    private final InboxRepository inbox;
    private final BindingRepository bindings;
    private final ChatRepository chats;
    private final SettingsRepository settings;
    private final WakeSignal signal = new WakeSignal();
    private volatile Runnable announce = () -> {};
    /** How old a reply must be before it is handed out (zero alone; see {@link #holdBackFreshReplies}). */
    private volatile Duration holdBack = Duration.ZERO;
    /** When this daemon first saw each pending reply (monotonic nanos), so a skewed clock delays one by at most the hold-back. */
    private final java.util.Map<String, Long> firstSeen = new java.util.HashMap<>();

    private java.util.concurrent.ScheduledExecutorService matureLater;

    public HandoffInbox(
            InboxRepository inbox, BindingRepository bindings, ChatRepository chats, SettingsRepository settings) {
        this.inbox = inbox;
        this.bindings = bindings;
        this.chats = chats;
        this.settings = settings;
    }

    /** Something was stored or a binding changed: waiting sessions look again. */
    public void wake() {
        signal.wake();
    }

    /**
     * A binding changed here (started, taken over, released): waiting sessions look again, and so do those that
     * other daemons sharing the store serve (a takeover from another machine ends the first machine's wait).
     */
    public void changed() {
        signal.wake();
        announce.run();
    }

    /** Set once at wiring, in a team: how the other daemons sharing the store are told of a change here. */
    public void announceWith(Runnable announce) {
        this.announce = announce;
    }

    /**
     * Set once at wiring, in a team: a reply is handed out only once it is {@code age} old (by Lark's creation time,
     * or since this daemon first saw it, whichever comes first). Lark spreads a chat's messages over the team's
     * connections, and the daemon that got an earlier one may store it a moment after another daemon stored a later
     * one; holding fresh replies back that long hands them out in the order they were written.
     */
    public synchronized void holdBackFreshReplies(Duration age) {
        this.holdBack = age;
        if (matureLater == null && !age.isZero()) {
            matureLater = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "handoff-replies-mature");
                t.setDaemon(true);
                return t;
            });
        }
    }

    /**
     * The session loses (or is about to lose) its chat to a takeover or a dissolve: what it was handed counts as
     * its own, and its current or next wait, or send, is told {@link Outcome.TakenOver}.
     */
    public synchronized void lost(String sessionId, String chatId) {
        answered(sessionId);
        settings.put(LOST + sessionId, chatId);
        changed();
    }

    /** The chat the session lost and has not been told about yet, if any; telling it clears the notice. */
    public synchronized Optional<String> takeLostNotice(String sessionId) {
        Optional<String> chat = settings.get(LOST + sessionId);
        chat.ifPresent(c -> settings.remove(LOST + sessionId));
        return chat;
    }

    /** Whether the session lost its chat and has not been told. */
    public boolean hasLostNotice(String sessionId) {
        return settings.get(LOST + sessionId).isPresent();
    }

    /** The session answered in its chat: the replies it was handed count as read. */
    public synchronized void answered(String sessionId) {
        List<String> keys = unanswered(sessionId);
        if (!keys.isEmpty()) {
            inbox.markAllDelivered(keys, sessionId);
            settings.remove(UNANSWERED + sessionId);
        }
    }

    /** The session handed back or starts afresh: its replies count as read and no old takeover is left to tell. */
    public synchronized void released(String sessionId) {
        answered(sessionId);
        settings.remove(LOST + sessionId);
        changed();
    }

    /**
     * Waits up to {@code timeout} for replies in the session's chat. Replies handed out before and not answered
     * since come first, again.
     */
    public Outcome await(String sessionId, Duration timeout, WakeSignal.Progress progress) throws InterruptedException {
        boolean boundAtStart = bindings.findBySession(sessionId).isPresent();
        long[] unboundSince = {0};
        return signal.await(
                timeout,
                progress,
                "a reply in Lark",
                () -> look(sessionId, boundAtStart, unboundSince),
                new Outcome.TimedOut());
    }

    /** What a wait finds now: a takeover, no chat, replies, or nothing yet (null). */
    private Outcome look(String sessionId, boolean boundAtStart, long[] unboundSince) {
        Optional<String> lost = takeLostNotice(sessionId);
        if (lost.isPresent()) {
            return new Outcome.TakenOver(lost.get());
        }
        Optional<Binding> binding = bindings.findBySession(sessionId);
        if (binding.isEmpty()) {
            if (!boundAtStart) {
                return new Outcome.NotBound();
            }
            // The chat went while waiting: the notice saying why follows the swap in a moment.
            long now = System.nanoTime();
            if (unboundSince[0] == 0) {
                unboundSince[0] = now;
            }
            return now - unboundSince[0] > LOST_NOTICE_GRACE_MS * 1_000_000 ? new Outcome.NotBound() : null;
        }
        return take(binding.get());
    }

    private List<String> unanswered(String sessionId) {
        return settings.get(UNANSWERED + sessionId)
                .map(json -> {
                    List<String> keys = new ArrayList<>();
                    ServerJson.mapper().readTree(json).forEach(k -> keys.add(k.asString()));
                    return keys;
                })
                .orElse(List.of());
    }

    /**
     * Screens the chat's pending rows: those kept back are marked filtered; the first page of the rest is handed
     * out (null when there is nothing to hand out).
     */
    private synchronized Outcome.Replies take(Binding binding) {
        // A bound chat's pending rows are its holder's, whoever the router last assigned them to (a takeover, a
        // row stored before the start): read by chat, not by target, so no replay of the whole inbox is needed.
        List<InboxRow> rows = inbox.pendingIn(binding.chatId());
        if (rows.isEmpty()) {
            return null;
        }
        Screening screening = ReplyFilters.forChat(binding, chats).screen(rows);
        for (Screening.Dropped d : screening.dropped()) {
            inbox.markFiltered(d.row().dedupeKey(), d.describe());
            log.info("{} in {} kept from the agent: {}", d.row().dedupeKey(), binding.chatId(), d.describe());
        }
        List<Screening.Kept> page = new ArrayList<>();
        long bytes = 0;
        List<Screening.Kept> mature = mature(screening.kept());
        for (Screening.Kept k : mature) {
            long size = ServerJson.mapper().writeValueAsBytes(k.reply().toJson()).length;
            if (!page.isEmpty() && bytes + size > PAGE_BYTES) {
                break;
            }
            bytes += size;
            page.add(k);
        }
        if (page.isEmpty()) {
            return null;
        }
        Set<String> keys = new LinkedHashSet<>(unanswered(binding.sessionId()));
        page.forEach(k -> keys.add(k.row().dedupeKey()));
        settings.put(UNANSWERED + binding.sessionId(), ServerJson.mapper().writeValueAsString(keys));
        long newest = page.stream().mapToLong(k -> k.reply().createTime()).max().orElse(0);
        if (newest > 0) {
            bindings.markConsumed(binding.chatId(), binding.sessionId(), newest);
        }
        return new Outcome.Replies(
                binding, page.stream().map(Screening.Kept::reply).toList(), page.size() < mature.size());
    }

    /**
     * The replies old enough to hand out, in order: up to the first one still being held back (see
     * {@link #holdBackFreshReplies}); the waits look again when it comes of age.
     */
    private List<Screening.Kept> mature(List<Screening.Kept> kept) {
        Duration age = holdBack;
        if (age.isZero()) {
            return kept;
        }
        long nowNanos = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        Set<String> pending = new java.util.HashSet<>();
        kept.forEach(k -> {
            pending.add(k.row().dedupeKey());
            firstSeen.putIfAbsent(k.row().dedupeKey(), nowNanos);
        });
        firstSeen.keySet().retainAll(pending);
        List<Screening.Kept> out = new ArrayList<>();
        long soonestNanos = Long.MAX_VALUE;
        for (Screening.Kept k : kept) {
            long seen = firstSeen.get(k.row().dedupeKey());
            long created = k.reply().createTime();
            long leftBySeen = seen + age.toNanos() - nowNanos;
            long leftByCreation = created > 0 ? (created + age.toMillis() - nowMillis) * 1_000_000 : Long.MAX_VALUE;
            long left = Math.min(leftBySeen, leftByCreation);
            if (left > 0) {
                soonestNanos = left;
                break;
            }
            out.add(k);
        }
        if (soonestNanos != Long.MAX_VALUE) {
            matureLater.schedule(signal::wake, soonestNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        return out;
    }
}
