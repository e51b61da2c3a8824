package dev.larkhandoff.bench;

import dev.larkhandoff.emulator.EmulatorOptions;
import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.lark.LarkClientConfig;
import dev.larkhandoff.lark.event.MessageContent;
import dev.larkhandoff.lark.event.MessageReceived;
import dev.larkhandoff.lark.im.OutgoingMessage;
import dev.larkhandoff.lark.ws.LongConnection;
import dev.larkhandoff.lark.ws.LongConnectionOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Measures the Lark side over real loopback sockets against the emulator: events per second through the long
 * connection into an acknowledging consumer (with publish-to-consumer latency), and message sends per second
 * with per-send latency, both under Lark's own rate limits and with them lifted. Writes its section of
 * bench/RESULTS.md.
 */
public final class LarkBench {

    private LarkBench() {}

    public static void main(String[] args) throws Exception {
        ResultsFile results = ResultsFile.open(Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md"));
        int events = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int sends = args.length > 2 ? Integer.parseInt(args[2]) : 3_000;

        List<String> rows = new ArrayList<>();
        eventsThroughLongConnection(Math.min(2_000, events), false); // warm-up: JIT, pools
        rows.add(eventsThroughLongConnection(events, false));
        rows.add(eventsThroughLongConnection(events / 4, true));
        rows.add(eventLatencyOneAtATime(1_000));
        sendsAgainstEmulator(Math.min(500, sends), 64, 100_000); // warm-up
        rows.add(sendsAgainstEmulator(sends, 64, 100_000));
        rows.add(sendsAgainstEmulator(Math.min(sends, 1_000), 1, 100_000));
        rows.add(sendsAgainstEmulator(Math.min(sends, 250), 8, 50));
        write(results, rows);
        System.exit(0);
    }

    /** N text messages pushed by the emulator; the consumer acks each; timed until the last ack reaches Lark. */
    static String eventsThroughLongConnection(int n, boolean fragmented) throws Exception {
        try (LarkEmulator emulator =
                        LarkEmulator.start(EmulatorOptions.defaults().withAckTimeout(Duration.ofSeconds(30)));
                LarkClient client = LarkClient.create(LarkClientConfig.of(
                        emulator.baseUrl(),
                        emulator.app().appId(),
                        emulator.app().appSecret()))) {
            EmuUser alice = emulator.control().addUser("Alice");
            EmuChat chat = emulator.control().createGroup("bench", alice);
            LongConnection connection = new LongConnection(
                    client.http(), LongConnectionOptions.defaults().withQueueCapacity(n + 16));
            Latencies latency = new Latencies(n);
            CountDownLatch received = new CountDownLatch(n);
            Disposable sub = connection.events().subscribe(e -> {
                if (e.event() instanceof MessageReceived m && m.message().content() instanceof MessageContent.Text t) {
                    latency.add(System.nanoTime() - Long.parseLong(t.text()));
                }
                e.ack();
                received.countDown();
            });
            waitFor(() -> connection.state() == LongConnection.State.CONNECTED, Duration.ofSeconds(10));
            if (fragmented) {
                for (int i = 0; i < n; i++) {
                    emulator.control().planNext(dev.larkhandoff.emulator.ws.DeliveryPlan.fragmented(3, true));
                }
            }
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                emulator.control().sendText(alice, chat.chatId, Long.toString(System.nanoTime()));
            }
            if (!received.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("only " + (n - received.getCount()) + " of " + n + " events arrived");
            }
            waitFor(() -> emulator.gateway().unacknowledged() == 0, Duration.ofSeconds(60));
            double seconds = (System.nanoTime() - start) / 1e9;
            sub.dispose();
            connection.close(Duration.ZERO);
            return String.format(
                    Locale.ROOT,
                    "| long connection → consumer, burst%s | %,d events | %,.0f events/s | %.2f ms | %.2f ms |",
                    fragmented ? " (3 fragments, out of order)" : "",
                    n,
                    n / seconds,
                    latency.percentileMillis(50),
                    latency.percentileMillis(99));
        }
    }

    /** One event at a time: the next is published only when the previous reached the consumer. */
    static String eventLatencyOneAtATime(int n) throws Exception {
        try (LarkEmulator emulator = LarkEmulator.start();
                LarkClient client = LarkClient.create(LarkClientConfig.of(
                        emulator.baseUrl(),
                        emulator.app().appId(),
                        emulator.app().appSecret()))) {
            EmuUser alice = emulator.control().addUser("Alice");
            EmuChat chat = emulator.control().createGroup("bench", alice);
            LongConnection connection = new LongConnection(client.http(), LongConnectionOptions.defaults());
            java.util.concurrent.BlockingQueue<Long> arrivals = new java.util.concurrent.LinkedBlockingQueue<>();
            Disposable sub = connection.events().subscribe(e -> {
                arrivals.add(System.nanoTime());
                e.ack();
            });
            waitFor(() -> connection.state() == LongConnection.State.CONNECTED, Duration.ofSeconds(10));
            Latencies latency = new Latencies(n);
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                emulator.control().sendText(alice, chat.chatId, "m" + i);
                Long arrived = arrivals.poll(10, TimeUnit.SECONDS);
                if (arrived == null) {
                    throw new IllegalStateException("event " + i + " did not arrive");
                }
                latency.add(arrived - t0);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            sub.dispose();
            connection.close(Duration.ZERO);
            return String.format(
                    Locale.ROOT,
                    "| long connection → consumer, one event at a time | %,d events | %,.0f events/s | %.2f ms | %.2f ms |",
                    n,
                    n / seconds,
                    latency.percentileMillis(50),
                    latency.percentileMillis(99));
        }
    }

    /** N text sends spread over 32 chats with {@code concurrency} in flight, under a per-app limit. */
    static String sendsAgainstEmulator(int n, int concurrency, int perAppLimit) {
        try (LarkEmulator emulator = LarkEmulator.start();
                LarkClient client = LarkClient.create(LarkClientConfig.of(
                                emulator.baseUrl(),
                                emulator.app().appId(),
                                emulator.app().appSecret())
                        .withRateLimits(perAppLimit >= 1000 ? 100_000 : 5, perAppLimit))) {
            EmuUser alice = emulator.control().addUser("Alice");
            List<String> chats = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                chats.add(emulator.control().createGroup("bench" + i, alice).chatId);
            }
            Latencies latency = new Latencies(n);
            long start = System.nanoTime();
            Flux.range(0, n)
                    .flatMap(
                            i -> {
                                long t0 = System.nanoTime();
                                return client.messages()
                                        .sendToChat(chats.get(i % chats.size()), OutgoingMessage.text("m" + i))
                                        .doOnSuccess(m -> latency.add(System.nanoTime() - t0));
                            },
                            concurrency)
                    .blockLast(Duration.ofMinutes(5));
            double seconds = (System.nanoTime() - start) / 1e9;
            String limits = perAppLimit >= 1000 ? "limits lifted" : "Lark's limits (50/s per app, 5/s per chat)";
            return String.format(
                    Locale.ROOT,
                    "| message sends, %d in flight, %s | %,d sends | %,.0f sends/s | %.2f ms | %.2f ms |",
                    concurrency,
                    limits,
                    latency.count(),
                    latency.count() / seconds,
                    latency.percentileMillis(50),
                    latency.percentileMillis(99));
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout);
            }
            Thread.sleep(5);
        }
    }

    private static void write(ResultsFile results, List<String> rows) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("Measured by dev.larkhandoff.bench.LarkBench: the client and the emulator in one JVM, ")
                .append(
                        "talking over real loopback sockets. Latency of events is from the emulator publishing an event to ")
                .append(
                        "the consumer receiving it (in a burst it includes queueing behind the events published before it); latency of sends is one HTTP round trip including the client's own ")
                .append("rate limiting. Figures from one run; expect noise of ±15% on a shared 2-core machine.\n\n");
        md.append("| scenario | volume | throughput | p50 latency | p99 latency |\n");
        md.append("|---|---|---|---|---|\n");
        rows.forEach(r -> md.append(r).append('\n'));
        results.writeSection("lark", "Lark client and emulator (LarkBench)", md.toString());
    }
}
