package dev.larkhandoff.server.routing;

import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.inbox.InboxRow;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Messages that waited too long for a session: counted by the daemon for its status (doctor asks it while it runs,
 * since the daemon holds the store exclusively) and by doctor itself when no daemon runs.
 */
public final class StalePending {

    /** Messages pending longer than this mean someone is not receiving them. */
    public static final Duration TOO_LONG = Duration.ofMinutes(10);

    private StalePending() {}

    /** Pending rows older than {@link #TOO_LONG}, leaving out handoff chats (whose replies wait for the agent). */
    public static long count(Store store, Clock clock) {
        return count(store.inbox().pending(), store.bindings().all(), clock);
    }

    /** The same count over rows and bindings already read. */
    public static long count(List<InboxRow> pending, List<Binding> bindings, Clock clock) {
        long cutoff = clock.millis() - TOO_LONG.toMillis();
        Set<String> handoffChats = new HashSet<>();
        bindings.forEach(b -> handoffChats.add(b.chatId()));
        return pending.stream()
                .filter(r -> r.receivedAt() < cutoff)
                .filter(r -> r.event().chatId() == null
                        || !handoffChats.contains(r.event().chatId()))
                .count();
    }
}
