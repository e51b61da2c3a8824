package dev.larkhandoff.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.testing.Eventually;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Two stores opened on one PostgreSQL database, as two daemons of a team open it, wake each other. */
@ExtendWith(TestPostgres.class)
class ChangeSignalsTest {

    @TempDir
    Path home;

    @Test
    void given_two_processes_on_one_database_when_one_announces_then_only_the_other_hears_it() {
        StoreLocation db = TestPostgres.database(home);
        try (Store laptop = Store.open(db, Clock.systemUTC());
                Store devbox = Store.open(db, Clock.systemUTC())) {
            AtomicInteger heardOnLaptop = new AtomicInteger();
            AtomicInteger heardOnDevbox = new AtomicInteger();
            laptop.signals().listen(kind -> heardOnLaptop.incrementAndGet());
            devbox.signals().listen(kind -> heardOnDevbox.incrementAndGet());
            // Each listener has its LISTEN in place once it heard the other once.
            Eventually.await(
                    () -> {
                        laptop.signals().announce();
                        devbox.signals().announce();
                        return heardOnDevbox.get() > 0 && heardOnLaptop.get() > 0;
                    },
                    "both to hear each other",
                    Duration.ofSeconds(10));
            int laptopBefore = heardOnLaptop.get();
            int devboxBefore = heardOnDevbox.get();

            for (int i = 0; i < 3; i++) {
                laptop.signals().announce();
            }
            // One wake may cover several announcements that arrived together.
            Eventually.await(() -> heardOnDevbox.get() > devboxBefore, "the devbox to hear them");
            devbox.signals().announce(); // delivered after the three: once the laptop hears it, they are all in

            Eventually.await(() -> heardOnLaptop.get() > laptopBefore, "the laptop to hear the devbox");
            assertThat(heardOnLaptop.get()).as("a process does not wake itself").isEqualTo(laptopBefore + 1);
        }
    }

    @Test
    void given_an_announcement_of_rows_only_then_the_listener_hears_that_kind_and_a_wider_one_wins_a_batch() {
        StoreLocation db = TestPostgres.database(home);
        try (Store laptop = Store.open(db, Clock.systemUTC());
                Store devbox = Store.open(db, Clock.systemUTC())) {
            java.util.List<ChangeSignals.Change> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
            devbox.signals().listen(heard::add);
            Eventually.await(
                    () -> {
                        laptop.signals().announce(ChangeSignals.Change.ROWS);
                        return !heard.isEmpty();
                    },
                    "the devbox to listen",
                    Duration.ofSeconds(10));

            assertThat(heard).as("rows alone are heard as rows alone").containsOnly(ChangeSignals.Change.ROWS);

            laptop.signals().announce(ChangeSignals.Change.ROWS);
            laptop.signals().announce(ChangeSignals.Change.ANY);
            Eventually.await(() -> heard.contains(ChangeSignals.Change.ANY), "the devbox to hear the wider change");
        }
    }

    @Test
    void given_a_sqlite_store_then_there_is_nobody_to_signal() {
        try (Store alone = Store.open(home, Clock.systemUTC())) {
            assertThat(alone.signals()).isSameAs(ChangeSignals.NONE);
            assertThat(alone.isShared()).isFalse();
        }
    }
}
