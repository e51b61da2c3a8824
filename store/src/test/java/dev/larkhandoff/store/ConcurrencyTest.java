package dev.larkhandoff.store;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/**
 * 16 threads claim, take over and release chats, move channel ownership and write the inbox for ten seconds
 * against one real database, while a watcher reads. Afterwards every invariant must hold. Several processes racing
 * on one PostgreSQL database: {@link ConcurrencyAcrossProcessesTest}.
 */
@StoreBackends
class ConcurrencyTest {

    private static final Duration RUN = Duration.ofSeconds(10);

    @Parameter(0)
    StoreBackend backend;

    @TempDir
    Path home;

    @Test
    void given_16_threads_racing_for_10_seconds_then_holders_are_unique_and_every_epoch_is_accounted_for()
            throws Exception {
        long seed = System.nanoTime();
        try (Store store = backend.open(home, Clock.systemUTC())) {
            Race.registerSessions(store, "s");

            Race.Summary summary = Race.run(store, "s", RUN, seed);

            System.err.printf(
                    "ConcurrencyTest on %s: %d operations, %d channel changes (%d of owner), %d takeovers, seed %d%n",
                    backend,
                    summary.operations(),
                    summary.changes(),
                    summary.epochsHandedOut().size(),
                    summary.takeovers().size(),
                    seed);
            Race.assertInvariants(store, List.of(summary), backend + ", seed " + seed);
        }
    }
}
