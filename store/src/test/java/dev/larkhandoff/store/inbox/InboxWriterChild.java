package dev.larkhandoff.store.inbox;

import dev.larkhandoff.store.Store;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The process {@link InboxCrashTest} kills: it opens the store in the home it is given and writes to the inbox as
 * fast as it can until it is killed. After each commit returns it prints, and flushes, one line per key that
 * commit made durable, and nothing else ever goes to its stdout (logs go to stderr):
 *
 * <pre>
 * committed event:r3-17    (inserted by insertIfAbsent or insertAllIfAbsent)
 * delivered event:r3-12    (marked by markDelivered)
 * </pre>
 *
 * Keys are {@code event:r<round>-<n>}, so every round writes new ones. Anything that breaks the store's contract
 * (a new key reported duplicate, a redelivery inserted twice, a pending row that cannot be marked) ends the
 * process with status 3 and a message on stderr, which the test sees as a child that died before it was killed.
 * So does a closed stdout or a minute without being killed, so that an orphan never writes on for ever.
 *
 * <p>Usage: {@code InboxWriterChild <home> <round> <seed>}
 */
public final class InboxWriterChild {

    /** The most rows one transaction commits, so the most a kill can leave committed but not yet reported. */
    static final int MAX_BATCH = 5;

    /** Should the test that runs it die without killing it, it does not write on for ever. */
    private static final long MAX_LIFETIME_MILLIS = 60_000;

    private final Store store;
    private final int round;
    private final Random random;
    private final PrintStream out;
    private final List<String> committed = new ArrayList<>();
    private final List<String> pending = new ArrayList<>();
    private int next;

    private InboxWriterChild(Store store, int round, Random random, PrintStream out) {
        this.store = store;
        this.round = round;
        this.random = random;
        this.out = out;
    }

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: InboxWriterChild <home> <round> <seed>");
            System.exit(2);
        }
        // Straight to file descriptor 1, flushed by hand: System.out is left to nobody.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        int round = Integer.parseInt(args[1]);
        Thread watchdog = new Thread(
                () -> {
                    try {
                        Thread.sleep(MAX_LIFETIME_MILLIS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    die("still running after " + MAX_LIFETIME_MILLIS + " ms; nobody killed it");
                },
                "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Store store = Store.open(Path.of(args[0]), Clock.systemUTC());
        // Never closed: the only way out is SIGKILL.
        new InboxWriterChild(store, round, new Random(Long.parseLong(args[2]) * 31 + round), out).run();
    }

    private void run() {
        for (long i = 0; ; i++) {
            if (i % 2 == 0) {
                insertOne();
            } else {
                insertBatch(2 + random.nextInt(MAX_BATCH - 1));
            }
            if (i % 3 == 2) {
                markOneDelivered();
            }
            if (i % 11 == 10) {
                redeliver();
            }
        }
    }

    private void insertOne() {
        InboxEvent event = nextEvent();
        InsertResult result = store.inbox().insertIfAbsent(event);
        if (!result.inserted()) {
            die("new key " + event.dedupeKey() + " was reported as a duplicate");
        }
        committed(List.of(event.dedupeKey()));
    }

    private void insertBatch(int size) {
        List<InboxEvent> events = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            events.add(nextEvent());
        }
        List<InsertResult> results = store.inbox().insertAllIfAbsent(events);
        List<String> keys = new ArrayList<>(size);
        for (InsertResult r : results) {
            if (!r.inserted()) {
                die("new key " + r.dedupeKey() + " was reported as a duplicate");
            }
            keys.add(r.dedupeKey());
        }
        committed(keys);
    }

    private void markOneDelivered() {
        if (pending.isEmpty()) {
            return;
        }
        String key = pending.remove(random.nextInt(pending.size()));
        if (!store.inbox().markDelivered(key, "session-r" + round)) {
            die("pending key " + key + " could not be marked delivered");
        }
        report("delivered " + key + "\n");
    }

    /** Lark pushing an event again: it must not be stored twice. */
    private void redeliver() {
        String key = committed.get(random.nextInt(committed.size()));
        String eventId = key.substring("event:".length());
        if (store.inbox().insertIfAbsent(event(eventId)).inserted()) {
            die("redelivered key " + key + " was inserted a second time");
        }
        if (random.nextBoolean()) {
            List<InboxEvent> batch = List.of(event(eventId), nextEvent());
            List<InsertResult> results = store.inbox().insertAllIfAbsent(batch);
            if (results.get(0).inserted() || !results.get(1).inserted()) {
                die("batch with redelivered key " + key + " gave " + results);
            }
            committed(List.of(results.get(1).dedupeKey()));
        }
    }

    private void committed(List<String> keys) {
        StringBuilder lines = new StringBuilder();
        for (String key : keys) {
            lines.append("committed ").append(key).append('\n');
        }
        report(lines);
        committed.addAll(keys);
        pending.addAll(keys);
    }

    private void report(CharSequence lines) {
        out.print(lines);
        out.flush();
        if (out.checkError()) {
            // Nobody reads the report any more (the test is gone): stop writing.
            die("stdout is closed");
        }
    }

    private InboxEvent nextEvent() {
        return event("r" + round + "-" + next++);
    }

    private static InboxEvent event(String eventId) {
        int n = eventId.hashCode();
        String text = "message " + eventId + " " + "lorem ipsum ".repeat(1 + Math.floorMod(n, 20));
        String payload = "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"" + eventId
                + "\",\"event_type\":\"im.message.receive_v1\"},\"event\":{\"message\":{\"content\":\"" + text
                + "\"}}}";
        return InboxEvent.of(eventId, "im.message.receive_v1", payload)
                .withMessage(
                        "om_" + eventId,
                        "oc_chat" + Math.floorMod(n, 5),
                        "group",
                        "ou_sender",
                        "user",
                        "text",
                        text,
                        1_700_000_000_000L);
    }

    private static void die(String message) {
        System.err.println("InboxWriterChild: " + message);
        System.err.flush();
        Runtime.getRuntime().halt(3);
    }
}
