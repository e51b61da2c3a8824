package dev.larkhandoff.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.store.channel.ChannelState;
import dev.larkhandoff.store.channel.OwnershipChange;
import dev.larkhandoff.store.channel.OwnershipLogEntry;
import dev.larkhandoff.store.channel.Transition;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.handoff.ClaimResult;
import dev.larkhandoff.store.inbox.InboxEvent;
import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.store.session.Role;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 16 threads claim, take over and release chats, move channel ownership and write the inbox for ten seconds
 * against one real database file, while a watcher reads. Afterwards every invariant must hold.
 */
class ConcurrencyTest {

    private static final int THREADS = 16;
    private static final Duration RUN = Duration.ofSeconds(10);
    private static final List<String> CHATS = List.of("oc_a", "oc_b", "oc_c", "oc_d");

    @TempDir
    Path home;

    /** A takeover that succeeded: it must have replaced exactly the holder it expected. */
    private record Takeover(String chat, String expected, String replaced, String by) {}

    @Test
    void given_16_threads_racing_for_10_seconds_then_holders_are_unique_and_every_epoch_is_accounted_for()
            throws Exception {
        long seed = System.nanoTime();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Transition> ownerChanges = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Transition> allChanges = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Takeover> takeovers = new ConcurrentLinkedQueue<>();
        AtomicLong operations = new AtomicLong();
        AtomicLong duplicateHolders = new AtomicLong();

        try (Store store = Store.open(home, Clock.systemUTC())) {
            for (int t = 0; t < THREADS; t++) {
                store.sessions()
                        .register(
                                "s" + t,
                                t == 0 ? Role.DISPATCHER : Role.SESSION,
                                "{}",
                                DeliveryMode.PULL,
                                (long) t,
                                "test");
            }
            long deadline = System.nanoTime() + RUN.toNanos();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                String me = "s" + t;
                Random random = new Random(seed + t);
                threads.add(new Thread(
                        () -> {
                            try {
                                start.await();
                                int n = 0;
                                while (System.nanoTime() < deadline) {
                                    step(store, me, random, n++, ownerChanges, allChanges, takeovers);
                                    operations.incrementAndGet();
                                }
                            } catch (Throwable e) {
                                failures.add(e);
                            }
                        },
                        "racer-" + t));
            }
            Thread watcher = new Thread(
                    () -> {
                        try {
                            start.await();
                            while (System.nanoTime() < deadline) {
                                List<Binding> all = store.bindings().all();
                                Set<String> chats = new HashSet<>();
                                Set<String> sessions = new HashSet<>();
                                for (Binding b : all) {
                                    if (!chats.add(b.chatId()) || !sessions.add(b.sessionId())) {
                                        duplicateHolders.incrementAndGet();
                                    }
                                }
                                store.inbox().history("oc_a", 20);
                            }
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    },
                    "watcher");
            threads.forEach(Thread::start);
            watcher.start();
            start.countDown();
            for (Thread th : threads) {
                th.join();
            }
            watcher.join();

            System.err.printf(
                    "ConcurrencyTest: %d operations, %d channel changes (%d of owner), %d takeovers, seed %d%n",
                    operations.get(), allChanges.size(), ownerChanges.size(), takeovers.size(), seed);
            assertThat(failures)
                    .as("exceptions in racing threads (seed %d)", seed)
                    .isEmpty();
            assertThat(operations.get()).as("the race actually ran").isGreaterThan(THREADS * 10L);
            assertThat(duplicateHolders.get())
                    .as("a chat or session bound twice")
                    .isZero();
            assertThat(takeovers)
                    .allSatisfy(t -> assertThat(t.replaced())
                            .as("takeover of %s by %s", t.chat(), t.by())
                            .isEqualTo(t.expected()));

            ChannelState finalState = store.channel().current();
            List<OwnershipLogEntry> log = store.channel().log(Integer.MAX_VALUE);
            assertThat(log).as("one log row per change").hasSize(allChanges.size());
            long epoch = 0;
            String owner = null;
            for (OwnershipLogEntry e : log) {
                assertThat(e.oldEpoch())
                        .as("log row %d continues from the previous one", e.seq())
                        .isEqualTo(epoch);
                assertThat(e.oldOwnerSessionId()).isEqualTo(owner);
                boolean ownerChanged = !Objects.equals(e.oldOwnerSessionId(), e.newOwnerSessionId());
                assertThat(e.newEpoch()).isEqualTo(e.oldEpoch() + (ownerChanged ? 1 : 0));
                epoch = e.newEpoch();
                owner = e.newOwnerSessionId();
            }
            assertThat(finalState.leaseEpoch()).isEqualTo(epoch);
            assertThat(finalState.ownerSessionId()).isEqualTo(owner);
            List<Long> epochsHandedOut = ownerChanges.stream()
                    .map(t -> t.after().leaseEpoch())
                    .sorted()
                    .toList();
            List<Long> oneToFinal = new ArrayList<>();
            for (long i = 1; i <= finalState.leaseEpoch(); i++) {
                oneToFinal.add(i);
            }
            assertThat(epochsHandedOut)
                    .as("each epoch handed out exactly once, none skipped")
                    .isEqualTo(oneToFinal);
        }
    }

    private static void step(
            Store store,
            String me,
            Random random,
            int n,
            ConcurrentLinkedQueue<Transition> ownerChanges,
            ConcurrentLinkedQueue<Transition> allChanges,
            ConcurrentLinkedQueue<Takeover> takeovers) {
        String chat = CHATS.get(random.nextInt(CHATS.size()));
        switch (random.nextInt(7)) {
            case 0 -> store.bindings().claim(Binding.of(chat, me));
            case 1 -> {
                String expected =
                        store.bindings().find(chat).map(Binding::sessionId).orElse(null);
                ClaimResult r = store.bindings().takeover(Binding.of(chat, me), expected);
                if (r instanceof ClaimResult.Claimed c && !me.equals(expected)) {
                    takeovers.add(new Takeover(chat, expected, c.replacedSessionId(), me));
                }
            }
            case 2 -> store.bindings().release(chat, me);
            case 3, 4 -> {
                Transition t = store.channel()
                        .transition(
                                new OwnershipChange("acquire", me, "race"),
                                s -> s.withOwner(random.nextBoolean() ? me : s.ownerSessionId())
                                        .withGranted(null));
                record(t, ownerChanges, allChanges);
            }
            case 5 -> {
                Transition t = store.channel()
                        .transition(
                                new OwnershipChange("grant", me, "race"),
                                s -> s.withGranted(random.nextBoolean() ? me : null));
                record(t, ownerChanges, allChanges);
            }
            default ->
                store.inbox()
                        .insertIfAbsent(InboxEvent.of(me + "-" + n, "im.message.receive_v1", "{}")
                                .withMessage("om_" + me + n, chat, "group", "ou_x", "user", "text", "t", (long) n));
        }
    }

    private static void record(
            Transition t,
            ConcurrentLinkedQueue<Transition> ownerChanges,
            ConcurrentLinkedQueue<Transition> allChanges) {
        if (t.changed()) {
            allChanges.add(t);
        }
        if (t.ownerChanged()) {
            ownerChanges.add(t);
        }
    }
}
