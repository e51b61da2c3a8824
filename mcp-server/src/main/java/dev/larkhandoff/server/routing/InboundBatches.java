package dev.larkhandoff.server.routing;

import dev.larkhandoff.lark.ws.InboundEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.BaseSubscriber;

/**
 * Takes the long connection's events and hands them to the inbound thread in batches: each time that thread gets to
 * them, whatever is waiting then, up to {@link InboundRecorder#MAX_BATCH}. It never waits for a batch to fill: an
 * event alone is stored alone, at once, and a burst that piled up while the last commit ran goes in one commit.
 */
public final class InboundBatches extends BaseSubscriber<InboundEvent> {

    private static final Logger log = LoggerFactory.getLogger(InboundBatches.class);

    /**
     * How many events may wait here for the inbound thread. Beyond them the long connection's own bounded queue fills,
     * and it answers 500 to what it cannot hold (Lark pushes those again later).
     */
    public static final int WINDOW = 256;

    private final Consumer<List<InboundEvent>> store;
    private final Executor inboundThread;
    private final Queue<InboundEvent> waiting = new ConcurrentLinkedQueue<>();
    /** A drain is queued on the inbound thread or running there; it looks again before it ends. */
    private final AtomicBoolean draining = new AtomicBoolean();

    /**
     * @param store         stores one batch and answers Lark for each of its events ({@link InboundRecorder#acceptAll})
     * @param inboundThread one thread, which may block: batches are stored one after the other, in arrival order
     */
    public InboundBatches(Consumer<List<InboundEvent>> store, Executor inboundThread) {
        this.store = store;
        this.inboundThread = inboundThread;
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
        request(WINDOW);
    }

    @Override
    protected void hookOnNext(InboundEvent event) {
        waiting.add(event);
        drainSoon();
    }

    @Override
    protected void hookOnError(Throwable failure) {
        log.error("the Lark long connection gave up: {}", failure.getMessage());
    }

    /** How many events wait for the inbound thread now. */
    int waiting() {
        return waiting.size();
    }

    private void drainSoon() {
        if (!draining.compareAndSet(false, true)) {
            return;
        }
        try {
            inboundThread.execute(this::drain);
        } catch (RuntimeException e) {
            draining.set(false);
            // The daemon is closing: what it cannot store, Lark must push again.
            log.debug("not storing: the inbound thread is gone ({})", e.getMessage());
            for (InboundEvent event; (event = waiting.poll()) != null; ) {
                event.fail();
            }
        }
    }

    private void drain() {
        List<InboundEvent> batch = new ArrayList<>();
        for (InboundEvent event; batch.size() < InboundRecorder.MAX_BATCH && (event = waiting.poll()) != null; ) {
            batch.add(event);
        }
        try {
            if (!batch.isEmpty()) {
                store.accept(batch);
            }
        } catch (RuntimeException e) {
            log.error("storing {} event(s) failed; answering 500 to those not answered yet", batch.size(), e);
            batch.forEach(InboundEvent::fail);
        } finally {
            if (!batch.isEmpty()) {
                request(batch.size());
            }
            draining.set(false);
        }
        // An event that came after the poll found the drain still running and left it to this look.
        if (!waiting.isEmpty()) {
            drainSoon();
        }
    }
}
