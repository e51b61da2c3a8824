package dev.larkhandoff.server.handoff;

import dev.larkhandoff.store.chat.ChatRepository;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.handoff.BindingRepository;
import dev.larkhandoff.store.inbox.InboxRepository;
import dev.larkhandoff.store.inbox.InboxRow;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handoff's reply loop on the daemon side: a bound session's wait takes the pending rows of its chat, screens
 * them with {@link ReplyFilters} (rows kept back are marked filtered with the reason, so nothing is lost by
 * filtering), and returns the replies. A returned reply stays pending until the session calls again on the same
 * connection, which shows it read them; if the daemon or the session's proxy died in between, the next wait
 * returns it again (at least once, never lost). A takeover ends the previous holder's wait with
 * {@link Outcome.TakenOver}.
 */
public final class HandoffInbox {

    private static final Logger log = LoggerFactory.getLogger(HandoffInbox.class);
    private static final long PROGRESS_EVERY_MS = 5_000;

    /** How a wait ended. */
    public sealed interface Outcome {
        /** Replies from the chat, oldest first (never empty). */
        record Replies(Binding binding, List<HandoffReply> replies) implements Outcome {
        }

        /** Another session took the chat over; this one should stop quietly. */
        record TakenOver(String chatId) implements Outcome {
        }

        record TimedOut() implements Outcome {
        }

        /** The session holds no chat (never started, or handed back). */
        record NotBound() implements Outcome {
        }
    }

    /** Receives progress of a wait (the tool front turns it into MCP progress notifications). */
    @FunctionalInterface
    public interface Progress {
        void report(double done, Double total, String message);
    }

    /** What one wait handed to a session, and on which connection. */
    private record InFlight(Object link, List<String> keys) {
    }

    private final InboxRepository inbox;
    private final BindingRepository bindings;
    private final ChatRepository chats;
    private final Runnable route;
    private final Object signal = new Object();
    private long generation;
    private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();
    private final Map<String, String> takenOver = new ConcurrentHashMap<>();

    /** @param route assigns pending rows to the sessions holding their chats (the router's replay) */
    public HandoffInbox(InboxRepository inbox, BindingRepository bindings, ChatRepository chats, Runnable route) {
        this.inbox = inbox;
        this.bindings = bindings;
        this.chats = chats;
        this.route = route;
    }

    /** Something was stored or a binding changed: waiting sessions look again. */
    public void wake() {
        synchronized (signal) {
            generation++;
            signal.notifyAll();
        }
    }

    /** The session lost its chat to a takeover: its current or next wait answers {@link Outcome.TakenOver}. */
    public void takenOver(String sessionId, String chatId) {
        takenOver.put(sessionId, chatId);
        inFlight.remove(sessionId);
        wake();
    }

    /** The session handed back: what it was given counts as read, and no takeover is left to report. */
    public void released(String sessionId) {
        InFlight f = inFlight.remove(sessionId);
        if (f != null) {
            inbox.markAllDelivered(f.keys(), sessionId);
        }
        takenOver.remove(sessionId);
        wake();
    }

    /**
     * The session calls again on {@code link}: what an earlier wait gave it on the same link counts as read. On
     * another link (its proxy restarted) it does not, and the next wait returns it again.
     */
    public void seen(String sessionId, Object link) {
        InFlight f = inFlight.get(sessionId);
        if (f != null && f.link() == link && inFlight.remove(sessionId, f)) {
            inbox.markAllDelivered(f.keys(), sessionId);
        }
    }

    /** Whether an earlier wait's replies still wait to be read by the session. */
    public boolean hasUnread(String sessionId) {
        return inFlight.containsKey(sessionId);
    }

    /** Waits up to {@code timeout} for replies in the session's chat. */
    public Outcome await(String sessionId, Object link, Duration timeout, Progress progress)
            throws InterruptedException {
        seen(sessionId, link);
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextProgress = start + PROGRESS_EVERY_MS * 1_000_000;
        while (true) {
            long seenGeneration;
            synchronized (signal) {
                seenGeneration = generation;
            }
            String lost = takenOver.remove(sessionId);
            if (lost != null) {
                return new Outcome.TakenOver(lost);
            }
            Optional<Binding> binding = bindings.findBySession(sessionId);
            if (binding.isEmpty()) {
                return new Outcome.NotBound();
            }
            List<HandoffReply> ready = take(binding.get(), link);
            if (!ready.isEmpty()) {
                return new Outcome.Replies(binding.get(), ready);
            }
            long now = System.nanoTime();
            if (now >= deadline) {
                return new Outcome.TimedOut();
            }
            if (now >= nextProgress) {
                long waitedMs = (now - start) / 1_000_000;
                progress.report(waitedMs / 1000.0, timeout.toMillis() / 1000.0,
                        "waiting for a reply in Lark (" + waitedMs / 1000 + " s)");
                nextProgress = now + PROGRESS_EVERY_MS * 1_000_000;
            }
            long waitMs = Math.max(1, Math.min(deadline, nextProgress) - now) / 1_000_000 + 1;
            synchronized (signal) {
                if (generation == seenGeneration) {
                    signal.wait(waitMs);
                }
            }
        }
    }

    /** Screens the chat's pending rows: those kept back are marked filtered; the rest are handed out. */
    private synchronized List<HandoffReply> take(Binding binding, Object link) {
        route.run();
        List<InboxRow> rows = inbox.pendingFor(binding.sessionId()).stream()
                .filter(r -> binding.chatId().equals(r.event().chatId()))
                .toList();
        if (rows.isEmpty()) {
            return List.of();
        }
        Screening screening = ReplyFilters.forChat(binding, chats).screen(rows);
        for (Screening.Dropped d : screening.dropped()) {
            inbox.markFiltered(d.row().dedupeKey(), d.describe());
            log.info("{} in {} kept from the agent: {}", d.row().dedupeKey(), binding.chatId(), d.describe());
        }
        if (screening.kept().isEmpty()) {
            return List.of();
        }
        List<String> keys = screening.kept().stream().map(k -> k.row().dedupeKey()).toList();
        inFlight.put(binding.sessionId(), new InFlight(link, keys));
        long newest = screening.kept().stream().mapToLong(k -> k.reply().createTime()).max().orElse(0);
        if (newest > 0) {
            bindings.markConsumed(binding.chatId(), binding.sessionId(), newest);
        }
        return screening.replies();
    }
}
