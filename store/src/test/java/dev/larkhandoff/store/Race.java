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
import java.io.PrintWriter;
import java.io.StringWriter;
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

/**
 * The race {@link ConcurrencyTest} runs, in one process or in several against one database: 16 threads claim, take
 * over and release four chats, move channel ownership and write the inbox, while a watcher reads. Each process
 * reports what its threads saw as a {@link Summary}; {@link #assertInvariants} checks the store against all of
 * them together.
 */
final class Race {

    static final int THREADS = 16;
    private static final List<String> CHATS = List.of("oc_a", "oc_b", "oc_c", "oc_d");

    private Race() {}

    /** A takeover that succeeded: it must have replaced exactly the holder it expected. */
    record Takeover(String chat, String expected, String replaced, String by) {}

    /**
     * What one process's racers saw: how many operations they ran, the epochs their owner changes were handed,
     * how many channel changes they made, their takeovers, and anything that went wrong.
     */
    record Summary(
            long operations,
            long changes,
            List<Long> epochsHandedOut,
            List<Takeover> takeovers,
            long duplicateHolders,
            List<String> failures) {

        /** One line per fact, for a child process to print and its parent to {@link #parse}. */
        List<String> lines() {
            List<String> out = new ArrayList<>();
            out.add("operations " + operations);
            out.add("changes " + changes);
            out.add("duplicates " + duplicateHolders);
            epochsHandedOut.forEach(e -> out.add("epoch " + e));
            takeovers.forEach(
                    t -> out.add("takeover " + t.chat() + " " + t.expected() + " " + t.replaced() + " " + t.by()));
            failures.forEach(f -> out.add("failure " + f.replace('\n', '|')));
            return out;
        }

        static Summary parse(List<String> lines) {
            long operations = -1;
            long changes = -1;
            long duplicates = -1;
            List<Long> epochs = new ArrayList<>();
            List<Takeover> takeovers = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            for (String line : lines) {
                String[] w = line.split(" ", 2);
                switch (w[0]) {
                    case "operations" -> operations = Long.parseLong(w[1]);
                    case "changes" -> changes = Long.parseLong(w[1]);
                    case "duplicates" -> duplicates = Long.parseLong(w[1]);
                    case "epoch" -> epochs.add(Long.parseLong(w[1]));
                    case "takeover" -> {
                        String[] t = w[1].split(" ");
                        takeovers.add(new Takeover(t[0], nullable(t[1]), nullable(t[2]), t[3]));
                    }
                    case "failure" -> failures.add(w[1]);
                    default -> failures.add("unexpected line from the racer: " + line);
                }
            }
            return new Summary(operations, changes, epochs, takeovers, duplicates, failures);
        }

        private static String nullable(String s) {
            return "null".equals(s) ? null : s;
        }
    }

    /** Registers the racers' sessions, {@code <prefix>0} to {@code <prefix>15}. */
    static void registerSessions(Store store, String prefix) {
        for (int t = 0; t < THREADS; t++) {
            store.sessions()
                    .register(
                            prefix + t,
                            t == 0 ? Role.DISPATCHER : Role.SESSION,
                            "{}",
                            DeliveryMode.PULL,
                            (long) t,
                            "test");
        }
    }

    /** Runs the 16 racers and the watcher for {@code duration}, then says what they saw. */
    static Summary run(Store store, String prefix, Duration duration, long seed) throws InterruptedException {
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Transition> ownerChanges = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Transition> allChanges = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Takeover> takeovers = new ConcurrentLinkedQueue<>();
        AtomicLong operations = new AtomicLong();
        AtomicLong duplicateHolders = new AtomicLong();
        long deadline = System.nanoTime() + duration.toNanos();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            String me = prefix + t;
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
        threads.add(new Thread(
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
                "watcher"));
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread th : threads) {
            th.join();
        }
        return new Summary(
                operations.get(),
                allChanges.size(),
                ownerChanges.stream().map(t -> t.after().leaseEpoch()).toList(),
                List.copyOf(takeovers),
                duplicateHolders.get(),
                failures.stream().map(Race::describe).toList());
    }

    /**
     * Checks the store after the race against what every racing process saw: no exceptions, no chat or session
     * ever bound twice, every takeover replaced exactly the holder it expected, one log row per change in an
     * unbroken chain, and each epoch handed out exactly once, none skipped.
     */
    static void assertInvariants(Store store, List<Summary> summaries, String run) {
        for (Summary s : summaries) {
            assertThat(s.failures())
                    .as("exceptions in racing threads (%s)", run)
                    .isEmpty();
            assertThat(s.operations()).as("the race actually ran (%s)", run).isGreaterThan(THREADS * 10L);
            assertThat(s.duplicateHolders())
                    .as("a chat or session bound twice (%s)", run)
                    .isZero();
            assertThat(s.takeovers())
                    .allSatisfy(t -> assertThat(t.replaced())
                            .as("takeover of %s by %s (%s)", t.chat(), t.by(), run)
                            .isEqualTo(t.expected()));
        }
        ChannelState finalState = store.channel().current();
        List<OwnershipLogEntry> log = store.channel().log(Integer.MAX_VALUE);
        long changes = summaries.stream().mapToLong(Summary::changes).sum();
        assertThat(log).as("one log row per change (%s)", run).hasSize((int) changes);
        long epoch = 0;
        String owner = null;
        for (OwnershipLogEntry e : log) {
            assertThat(e.oldEpoch())
                    .as("log row %d continues from the previous one (%s)", e.seq(), run)
                    .isEqualTo(epoch);
            assertThat(e.oldOwnerSessionId()).isEqualTo(owner);
            boolean ownerChanged = !Objects.equals(e.oldOwnerSessionId(), e.newOwnerSessionId());
            assertThat(e.newEpoch()).isEqualTo(e.oldEpoch() + (ownerChanged ? 1 : 0));
            epoch = e.newEpoch();
            owner = e.newOwnerSessionId();
        }
        assertThat(finalState.leaseEpoch()).isEqualTo(epoch);
        assertThat(finalState.ownerSessionId()).isEqualTo(owner);
        List<Long> epochsHandedOut = summaries.stream()
                .flatMap(s -> s.epochsHandedOut().stream())
                .sorted()
                .toList();
        List<Long> oneToFinal = new ArrayList<>();
        for (long i = 1; i <= finalState.leaseEpoch(); i++) {
            oneToFinal.add(i);
        }
        assertThat(epochsHandedOut)
                .as("each epoch handed out exactly once, none skipped (%s)", run)
                .isEqualTo(oneToFinal);
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

    private static String describe(Throwable e) {
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
