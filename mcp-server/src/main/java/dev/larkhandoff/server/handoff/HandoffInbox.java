package dev.larkhandoff.server.handoff;

import dev.larkhandoff.server.routing.WakeSignal;
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

    /** What one wait handed to a session, and on which connection. */
    private record InFlight(Object link, List<String> keys) {
    }

    private final InboxRepository inbox;
    private final BindingRepository bindings;
    private final ChatRepository chats;
    private final Runnable route;
    private final WakeSignal signal = new WakeSignal();
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
        signal.wake();
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
    public Outcome await(String sessionId, Object link, Duration timeout, WakeSignal.Progress progress)
            throws InterruptedException {
        seen(sessionId, link);
        return signal.await(timeout, progress, "a reply in Lark", () -> look(sessionId, link), new Outcome.TimedOut());
    }

    /** What a wait finds now: a takeover, no chat, replies, or nothing yet (null). */
    private Outcome look(String sessionId, Object link) {
        String lost = takenOver.remove(sessionId);
        if (lost != null) {
            return new Outcome.TakenOver(lost);
        }
        Optional<Binding> binding = bindings.findBySession(sessionId);
        if (binding.isEmpty()) {
            return new Outcome.NotBound();
        }
        List<HandoffReply> ready = take(binding.get(), link);
        return ready.isEmpty() ? null : new Outcome.Replies(binding.get(), ready);
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
