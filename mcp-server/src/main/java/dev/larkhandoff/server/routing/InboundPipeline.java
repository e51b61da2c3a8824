package dev.larkhandoff.server.routing;

import dev.larkhandoff.lark.ws.InboundEvent;
import dev.larkhandoff.store.ChangeSignals;
import dev.larkhandoff.store.chat.ChatRepository;
import dev.larkhandoff.store.inbox.InboxEvent;
import dev.larkhandoff.store.inbox.InboxRepository;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to an inbound Lark event, every step in order (docs/architecture.md traces the same path):
 * <ol>
 *   <li><b>decode</b>: the long connection has already turned Lark's frames into a typed {@link InboundEvent};</li>
 *   <li><b>judge a card click</b>: its synchronous answer (toast, card update) and whether it is stored at all;</li>
 *   <li><b>place</b>: a reaction names only its message, so it gets the chat that message belongs to;</li>
 *   <li><b>store</b>: the inbox row is written, durably, in one commit with the others that arrived with it;</li>
 *   <li><b>ack</b>: only then does Lark hear 200 (500 when the store refused, so Lark sends the event again);</li>
 *   <li><b>notice</b>: a new row is shown to whoever watches the app's traffic (a group named for another machine,
 *       while each machine keeps its own store: {@code team.OtherMachines});</li>
 *   <li><b>route</b>: each pending row goes to its session: a chat bound by a handoff to that session's handoff
 *       inbox, any other chat to the channel's effective target;</li>
 *   <li><b>judge access</b>: a row is judged by the access rules when it is about to be handed over;</li>
 *   <li><b>hand over</b>: pushed to the session's link (the proxy writes a channel notification, then acks it) or
 *       left for its pull wait (leased to one wait until its result was written);</li>
 *   <li><b>indicate</b>: a message handed over gets the "received" reaction in Lark;</li>
 *   <li><b>wake</b>: waiting pulls, handoff waits and permission prompts look again; in a team, the other daemons
 *       sharing the store are told too, and run steps 7 to 11 themselves for the sessions they serve
 *       ({@link #heard}).</li>
 * </ol>
 * Steps 2 to 5 are {@link InboundRecorder}'s, 7 to 9 {@link InboxRouter}'s; this class names them and does the rest.
 */
public final class InboundPipeline {

    private static final Logger log = LoggerFactory.getLogger(InboundPipeline.class);

    private final InboundRecorder recorder;
    private final InboxRouter router;
    private final BiConsumer<String, String> received;
    private final List<Runnable> waiters;
    private final Consumer<InboxEvent> noticed;
    private volatile Consumer<ChangeSignals.Change> announce = change -> {};
    private final AtomicReference<Instant> lastEventAt = new AtomicReference<>();
    private final Executor routeThread;
    private final AtomicBoolean routeQueued = new AtomicBoolean();

    /**
     * @param received puts the "received" reaction on (chat id, message id); does nothing without a Lark app
     * @param waiters  the wake-ups of everything that waits for inbound rows
     * @param noticed  told of each newly stored row (not of a redelivered duplicate)
     * @param routeThread runs the routing of stored rows, one pass at a time, beside the thread that stores the next
     */
    public InboundPipeline(
            InboxRepository inbox,
            ChatRepository chats,
            InboxRouter router,
            InboundRecorder.CardCallbacks cards,
            BiConsumer<String, String> received,
            List<Runnable> waiters,
            Consumer<InboxEvent> noticed,
            Executor routeThread,
            Clock clock) {
        this.router = router;
        this.routeThread = routeThread;
        this.received = received;
        this.waiters = List.copyOf(waiters);
        this.noticed = noticed;
        this.recorder = new InboundRecorder(
                inbox,
                (row, result) -> {
                    lastEventAt.set(clock.instant());
                    noticed.accept(row);
                },
                event -> place(event, inbox, chats),
                cards,
                () -> {
                    // Once per commit, however many rows it stored. First, so the daemon serving the rows' sessions
                    // (often another) starts reading while this one routes; only rows changed, so the others need
                    // not read the team's sessions.
                    announce.accept(ChangeSignals.Change.ROWS);
                    routeSoon();
                });
        router.onHandedOver(this::indicate);
    }

    /**
     * Steps 2 to 11 for one event from Lark: 2 to 6 here, on the inbound thread (the store writes to disk), 7 to 11
     * soon after on the routing thread.
     */
    public void accept(InboundEvent event) {
        recorder.accept(event);
    }

    /** As {@link #accept}, for events that arrived together: they are stored in as few commits as may be. */
    public void acceptAll(List<InboundEvent> events) {
        recorder.acceptAll(events);
    }

    /**
     * Steps 7 to 11 for every pending row: after an event was stored, and whenever who should have the rows may have
     * changed (a session registered, ownership moved, access.json was fixed, the store recovered).
     */
    public void reroute() {
        router.replayPending();
        wake();
    }

    /**
     * {@link #reroute}, soon, on the routing thread: for a caller that must not wait for the router. A session's IPC
     * reader is one: a routing pass may be writing to that very session, blocked until the session reads, while the
     * session waits for the reader to take its acknowledgements.
     */
    public void rerouteSoon() {
        try {
            routeThread.execute(() -> {
                try {
                    reroute();
                } catch (RuntimeException e) {
                    log.error("routing the pending events failed; they stay pending in the inbox", e);
                }
            });
        } catch (RuntimeException e) {
            log.debug("not routing: the daemon is closing ({})", e.getMessage());
        }
    }

    /** Step 11 alone: something the waits look at changed (a binding, a takeover, a settled lease). */
    public void wake() {
        waiters.forEach(Runnable::run);
        announce.accept(ChangeSignals.Change.ANY);
    }

    /**
     * Another daemon sharing the store announced a change: steps 7 to 11 for the sessions this daemon serves,
     * without announcing again (that would echo between daemons for ever).
     */
    public void heard() {
        router.replayPending();
        waiters.forEach(Runnable::run);
    }

    /** Set once at wiring, in a team: how the other daemons sharing the store are told of a change here. */
    public void announceWith(Consumer<ChangeSignals.Change> announce) {
        this.announce = announce;
    }

    /**
     * Steps 7 to 11 after a row was stored, on the routing thread: the next event is stored (and Lark acknowledged)
     * meanwhile, and one pass covers every row stored before it starts, so a burst costs one read of the pending
     * rows, not one per event (each pass reads them all).
     */
    private void routeSoon() {
        if (!routeQueued.compareAndSet(false, true)) {
            return; // the queued pass has not started: it will see this row
        }
        try {
            routeThread.execute(() -> {
                routeQueued.set(false); // before reading: a row stored during this pass queues the next one
                try {
                    router.replayPending();
                    waiters.forEach(Runnable::run);
                } catch (RuntimeException e) {
                    // Stored and acknowledged: the rows stay pending and the next pass (or the store's recovery) routes
                    // them.
                    log.error("routing the stored events failed; they stay pending in the inbox", e);
                }
            });
        } catch (RuntimeException e) {
            routeQueued.set(false);
            log.debug("not routing: the daemon is closing ({})", e.getMessage());
        }
    }

    /** When the last event from Lark was stored, if any was since the start. */
    public Optional<Instant> lastEventAt() {
        return Optional.ofNullable(lastEventAt.get());
    }

    /** Step 3: a reaction names only its message; it belongs to the chat that message was sent or received in. */
    private static InboxEvent place(InboxEvent event, InboxRepository inbox, ChatRepository chats) {
        if (event.chatId() != null || event.messageId() == null) {
            return event;
        }
        return chats.lookupParent(event.messageId())
                .map(sent -> sent.chatId())
                .or(() -> inbox.chatOfMessage(event.messageId()))
                .map(event::withChatId)
                .orElse(event);
    }

    /** Step 10: only a message gets the indicator, not a reaction or a click. */
    private void indicate(InboxEvent event) {
        if ("im.message.receive_v1".equals(event.eventType()) && event.chatId() != null && event.messageId() != null) {
            received.accept(event.chatId(), event.messageId());
        }
    }
}
