package dev.larkhandoff.server.routing;

import dev.larkhandoff.server.channel.ChannelOwnership;
import dev.larkhandoff.server.session.Delivery;
import dev.larkhandoff.server.session.LiveSession;
import dev.larkhandoff.server.session.SessionLink;
import dev.larkhandoff.server.session.SessionRegistry;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.handoff.BindingRepository;
import dev.larkhandoff.store.inbox.InboxEvent;
import dev.larkhandoff.store.inbox.InboxRepository;
import dev.larkhandoff.store.inbox.InboxRow;
import dev.larkhandoff.store.session.DeliveryMode;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends stored inbound events to the session that should have them: events of a chat bound by a handoff are
 * assigned to its session and left for that session's wait loop; the rest go to the channel's effective target. Events whose session is offline stay pending and go out, in order, when
 * {@link #replayPending()} runs (on register, on ownership change, at start). An event is delivered when the
 * session acknowledges it, not when it is sent.
 */
public final class InboxRouter {

    private static final Logger log = LoggerFactory.getLogger(InboxRouter.class);

    /** What the access rules say about one stored event: deliver it, or keep it from every agent and why. */
    public sealed interface Verdict {
        /** Deliver, telling the agent how far to trust the sender ({@code owner}, {@code coowner}, {@code guest}, {@code member}). */
        record Deliver(String privilege) implements Verdict {}

        record Withhold(String reason) implements Verdict {}
    }

    private final InboxRepository inbox;
    private final BindingRepository bindings;
    private final ChannelOwnership ownership;
    private final SessionRegistry registry;
    private final Function<InboxEvent, Verdict> gate;
    /** Per connection, the events already written to it and not yet acknowledged: a replay does not resend them. */
    private volatile java.util.function.Consumer<InboxEvent> onHandedOver = e -> {};

    private final Map<SessionLink, Set<String>> sentOn = Collections.synchronizedMap(new WeakHashMap<>());
    /** Events in a pull result not yet settled, with when they were leased (guarded by this). */
    private final Map<String, Long> leases = new HashMap<>();
    /** Longer than any wait's result takes to reach its client; only a lost settlement ever waits this long. */
    private static final long LEASE_LIMIT_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(10);

    public InboxRouter(
            InboxRepository inbox,
            BindingRepository bindings,
            ChannelOwnership ownership,
            SessionRegistry registry,
            Function<InboxEvent, Verdict> gate) {
        this.inbox = inbox;
        this.bindings = bindings;
        this.ownership = ownership;
        this.registry = registry;
        this.gate = gate;
    }

    /**
     * Sends every pending event whose session is live, oldest first: call it when an event was stored, a session
     * registered, ownership changed, and at start. Rows for an offline session stay pending; one session being
     * away does not hold up the others. A row is judged by the access rules each time it is about to be sent,
     * so a row stored just before a crash is never sent unjudged, and a sender removed from the allowlist
     * meanwhile is not let in by a replay.
     */
    public synchronized void replayPending() {
        List<InboxRow> pending = inbox.pending();
        // Forget what was sent once it is no longer pending. Only here, under this lock: were an ack to remove
        // its key while a replay walks an older snapshot, that replay would send the event a second time.
        Set<String> stillPending = new HashSet<>();
        pending.forEach(r -> stillPending.add(r.dedupeKey()));
        synchronized (sentOn) {
            sentOn.values().forEach(sent -> sent.retainAll(stillPending));
        }
        // Read once per replay, not once per row: the channel's target and each chat's binding.
        Optional<SessionRegistry.Entry> channelTarget =
                ownership.effectiveTarget().map(LiveSession::sessionId).flatMap(registry::entry);
        Map<String, Optional<Binding>> bindingOf = new HashMap<>();
        // Once the target refuses one push (not ready yet, gone), none after it goes out in this pass: a later row
        // must never overtake an earlier one, whatever made the link ready in between.
        boolean pushRefused = false;
        for (InboxRow row : pending) {
            InboxEvent event = row.event();
            Optional<Binding> binding = event.chatId() == null
                    ? Optional.empty()
                    : bindingOf.computeIfAbsent(event.chatId(), bindings::find);
            if (binding.isPresent()) {
                // A handoff chat: its session takes these in its wait loop, which applies the handoff's own
                // filters (operator, guests, need-mention) and marks what it keeps back. Never pushed.
                String holder = binding.get().sessionId();
                if (!holder.equals(event.targetSessionId())) {
                    inbox.assignTarget(row.dedupeKey(), holder);
                }
                continue;
            }
            Optional<SessionRegistry.Entry> target = channelTarget;
            if (target.isEmpty() || pushRefused) {
                continue;
            }
            if (leases.containsKey(row.dedupeKey())) {
                continue; // in a pull result on its way to its session: settled there, not sent twice
            }
            SessionRegistry.Entry entry = target.get();
            Set<String> sent = sentOn.computeIfAbsent(entry.connection(), c -> ConcurrentHashMap.newKeySet());
            if (sent.contains(row.dedupeKey())) {
                continue;
            }
            Verdict verdict = gate.apply(event);
            if (verdict instanceof Verdict.Withhold w) {
                inbox.markFiltered(event.dedupeKey(), w.reason());
                log.info("event {} withheld: {}", event.dedupeKey(), w.reason());
                continue;
            }
            String privilege = ((Verdict.Deliver) verdict).privilege();
            if (!entry.session().sessionId().equals(event.targetSessionId())) {
                inbox.assignTarget(row.dedupeKey(), entry.session().sessionId());
            }
            if (entry.deliveryMode() == DeliveryMode.PUSH) {
                sent.add(row.dedupeKey());
                if (!entry.connection().deliver(deliverMessage(row, privilege))) {
                    sent.remove(row.dedupeKey());
                    pushRefused = true;
                } else {
                    handedOver(event);
                }
            }
        }
    }

    /** One page of a pull session's deliveries; {@code keys} are leased to the call until it is settled. */
    public record Page(List<Delivery> deliveries, List<String> keys, boolean more) {
        public static final Page EMPTY = new Page(List.of(), List.of(), false);

        public boolean isEmpty() {
            return deliveries.isEmpty();
        }
    }

    /**
     * For a pull session: the deliveries waiting for it, oldest first, each judged by the access rules now, at most
     * {@code maxBytes} of JSON and {@code maxItems} entries (always at least one, so a single large message still
     * goes out). They are leased to the caller, not delivered: a concurrent wait does not take them again, and
     * {@link #settle} marks them delivered once the result reached the agent, or hands them out again.
     */
    public synchronized Page takeFor(String sessionId, long maxBytes, int maxItems) {
        replayPending();
        expireLeases();
        List<Delivery> out = new java.util.ArrayList<>();
        List<String> taken = new java.util.ArrayList<>();
        Map<String, Boolean> bound = new HashMap<>();
        long bytes = 0;
        boolean more = false;
        for (InboxRow row : inbox.pendingFor(sessionId)) {
            if (leases.containsKey(row.dedupeKey())) {
                continue; // in a result on its way to the agent
            }
            String chat = row.event().chatId();
            if (chat != null
                    && bound.computeIfAbsent(chat, c -> bindings.find(c).isPresent())) {
                continue; // a handoff chat's rows wait for the handoff loop
            }
            Verdict verdict = gate.apply(row.event());
            if (verdict instanceof Verdict.Withhold w) {
                inbox.markFiltered(row.dedupeKey(), w.reason());
                continue;
            }
            Delivery delivery = deliverMessage(row, ((Verdict.Deliver) verdict).privilege());
            long size = sizeOf(delivery);
            if (!out.isEmpty() && (bytes + size > maxBytes || out.size() >= maxItems)) {
                more = true;
                break;
            }
            bytes += size;
            out.add(delivery);
            taken.add(row.dedupeKey());
            handedOver(row.event());
        }
        long now = System.nanoTime();
        taken.forEach(k -> leases.put(k, now));
        return new Page(out, taken, more);
    }

    /**
     * Ends the lease of a page: {@code written} marks its events delivered to the session, otherwise they are
     * pending again for the session's next wait.
     */
    public synchronized void settle(String sessionId, List<String> keys, boolean written) {
        keys.forEach(leases::remove);
        if (written && !keys.isEmpty()) {
            inbox.markAllDelivered(keys, sessionId);
        }
    }

    /** A lease nobody settled (a front that lost track of its call) must not hide its events for good. */
    private void expireLeases() {
        long cutoff = System.nanoTime() - LEASE_LIMIT_NANOS;
        leases.values().removeIf(since -> since < cutoff);
    }

    /** The entry's size as JSON in the result, which is what the transports' limits count. */
    private static long sizeOf(Delivery delivery) {
        return dev.larkhandoff.server.ServerJson.mapper().writeValueAsBytes(DeliveryTools.reply(delivery)).length;
    }

    /**
     * Runs for each event as it is handed to a session (pushed, or taken by a pull): the "received" indicator
     * goes on then. It may run more than once for one event (a replay to a new connection); it must not block.
     */
    public void onHandedOver(java.util.function.Consumer<InboxEvent> action) {
        this.onHandedOver = action;
    }

    private void handedOver(InboxEvent event) {
        try {
            onHandedOver.accept(event);
        } catch (RuntimeException e) {
            log.warn("after handing over {}: {}", event.dedupeKey(), e.getMessage());
        }
    }

    /** The session acknowledged an event: it is delivered (a second ack changes nothing). */
    public void acked(String sessionId, String dedupeKey) {
        if (inbox.markDelivered(dedupeKey, sessionId)) {
            log.debug("event {} delivered to {}", dedupeKey, sessionId);
        }
    }

    /** What the session is sent for one event: the text the agent reads and the attributes of its channel tag. */
    static Delivery deliverMessage(InboxRow row, String privilege) {
        InboxEvent e = row.event();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(
                "kind",
                e.eventType().equals("im.message.receive_v1")
                        ? "message"
                        : e.messageType() == null ? "event" : e.messageType());
        putIf(meta, "chat_id", e.chatId());
        putIf(meta, "message_id", e.messageId());
        putIf(meta, "chat_type", e.chatType());
        putIf(meta, "sender_id", e.senderOpenId());
        putIf(meta, "privilege", privilege);
        return new Delivery(e.dedupeKey(), e.normalizedText() == null ? "" : e.normalizedText(), meta);
    }

    private static void putIf(Map<String, String> meta, String key, String value) {
        if (value != null && !value.isEmpty()) {
            meta.put(key, value);
        }
    }
}
