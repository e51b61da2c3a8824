package dev.larkhandoff.server.daemon;

import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.StoreHealth;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches whether the store's disk takes writes. While it does not, Lark events are answered 500 (Lark pushes them
 * again) and nothing else changes; a small probe write every few seconds notices when it takes writes again, so the
 * state clears by itself even when no event comes to try.
 */
final class StoreWatch implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StoreWatch.class);
    static final Duration PROBE_EVERY = Duration.ofSeconds(2);

    private final Store store;
    private final Runnable recovered;
    private final ScheduledExecutorService timer;
    private StoreHealth reported = StoreHealth.WRITABLE;

    /** @param recovered runs when the store takes writes again (replay what waited) */
    StoreWatch(Store store, Runnable recovered) {
        this.store = store;
        this.recovered = recovered;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "store-watch");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(
                this::check, PROBE_EVERY.toMillis(), PROBE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void check() {
        try {
            StoreHealth now = store.health();
            if (!now.writable()) {
                now = store.probeWrite();
            }
            report(now);
        } catch (RuntimeException e) {
            log.warn("checking the store failed: {}", e.getMessage());
        }
    }

    private synchronized void report(StoreHealth now) {
        if (now.writable() == reported.writable()) {
            return;
        }
        if (now.writable()) {
            log.info(
                    "the store {} takes writes again (it refused them since {})",
                    store.location().describe(),
                    reported.unwritableSince());
            reported = now;
            recovered.run();
        } else {
            log.error(
                    "the store {} refuses writes since {}: {}. Lark events are not acknowledged (Lark pushes them"
                            + " again) until it takes writes again",
                    store.location().describe(),
                    now.unwritableSince(),
                    now.problem());
            reported = now;
        }
    }

    /** The {@code store} block of the daemon's status. */
    Map<String, Object> status() {
        StoreHealth h = store.health();
        Map<String, Object> block = new LinkedHashMap<>();
        if (store.isShared()) {
            block.put("database", store.location().describe());
        } else {
            block.put("file", store.file().toString());
        }
        block.put("writable", h.writable());
        block.put("unwritable_since", h.writable() ? null : h.unwritableSince().toString());
        block.put("problem", h.problem());
        return block;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
