package dev.larkhandoff.lark.ws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.lark.event.LarkEvent;
import dev.larkhandoff.testing.Eventually;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.Disposable;

/** Subscribes to a long connection and hands each event to the test, which decides how to answer it. */
final class EventCollector implements AutoCloseable {

    private final BlockingQueue<InboundEvent> events = new LinkedBlockingQueue<>();
    private final AtomicReference<Throwable> error = new AtomicReference<>();
    private final Disposable subscription;
    private volatile boolean completed;

    EventCollector(LongConnection connection) {
        this.subscription = connection.events().subscribe(events::add, error::set, () -> completed = true);
    }

    InboundEvent next() {
        return next(Duration.ofSeconds(15));
    }

    InboundEvent next(Duration timeout) {
        try {
            InboundEvent e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(e)
                    .as("an event within %s (stream error: %s)", timeout, error.get())
                    .isNotNull();
            return e;
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    /** The next event, acknowledged at once. */
    LarkEvent nextAcked() {
        InboundEvent e = next();
        e.ack();
        return e.event();
    }

    /** Nothing more arrives within {@code quiet}. */
    void assertQuiet(Duration quiet) throws InterruptedException {
        InboundEvent e = events.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(e).as("no further event").isNull();
    }

    List<InboundEvent> drain() {
        List<InboundEvent> out = new ArrayList<>();
        events.drainTo(out);
        return out;
    }

    Throwable awaitError(Duration timeout) {
        Eventually.await(() -> error.get() != null, "the stream to fail", timeout);
        return error.get();
    }

    boolean completed() {
        return completed;
    }

    @Override
    public void close() {
        subscription.dispose();
    }
}
