package dev.larkhandoff.bench;

import dev.larkhandoff.emulator.EmulatorOptions;
import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.server.access.AccessFile;
import dev.larkhandoff.server.access.AccessPolicy;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.daemon.HttpEndpointFile;
import dev.larkhandoff.server.http.HttpFront;
import dev.larkhandoff.server.http.HttpToken;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * Measures the product end to end, as an agent sees it: a real {@code lark-handoff stdio} proxy process (started
 * by the repository's launcher from the shaded jar), the daemon it spawns, and the emulator as Lark, all on
 * loopback. (1) inbound message → channel notification latency at a steady 200 events/s, with loss and
 * duplicates counted; (2) the highest offered rate that is delivered exactly once and drained within a bound;
 * (3) round trip of {@code feishu_channel_status} over stdio and over the daemon's Streamable HTTP front;
 * (4) proxy cold start to the initialize result, with the daemon running and when it must be spawned; (5) resident
 * memory of the daemon and the proxy, idle and under load. Every process it starts is ended at the end, also on
 * failure (a shutdown hook and a watchdog cover the rest). Writes its section of bench/RESULTS.md.
 */
public final class DaemonBench {

    static final int STEADY_RATE = 200;
    /** Long enough for C2 (the daemon runs without the CLI's C1-only flag) to compile the hot path: a daemon runs for days. */
    static final double WARM_UP_SECONDS = 10;

    static final double STEP_SECONDS = 4;
    /** Step 2 starts here and doubles while a step holds, or halves while it does not, within the bounds. */
    static final int FIRST_STEP_RATE = 200;

    static final int MIN_STEP_RATE = 25;
    static final int MAX_STEP_RATE = 6_400;
    /** Steps that halve the gap between the highest rate that held and the lowest that did not. */
    static final int REFINEMENTS = 2;
    /** A step holds when its last event was read within this of its last send. */
    static final Duration DRAIN_BOUND = Duration.ofSeconds(1);
    /** An event not read from the proxy this long after its phase's last send counts as lost. */
    static final Duration GIVE_UP = Duration.ofSeconds(15);
    /** A step stops sending early once this many seconds' worth of its events are outstanding. */
    static final double BEHIND_SECONDS = 2;

    static final int TOOL_WARM_UP = 200;
    static final int TOOL_CALLS = 500;
    static final int WARM_STARTS = 5;
    static final int SPAWN_STARTS = 3;
    static final int VERSION_RUNS = 5;
    static final Duration TIME_LIMIT = Duration.ofMinutes(6);
    static final int CAPACITY = 200_000;
    /** What the daemon logs when the Lark client refuses a "received" reaction (ReceivedIndicator). */
    static final String REACTION_REFUSED = "could not add the received reaction";

    private final Path launcher;
    private final Path repoRoot;
    private final Path base;
    private final LarkEmulator emulator;
    private final EmulatorControl control;
    private final EmuUser alice;
    private final EmuChat group;
    private final Ledger ledger = new Ledger(CAPACITY);
    private final List<ProxyProcess> proxies = new CopyOnWriteArrayList<>();
    private final List<McpSyncClient> httpClients = new CopyOnWriteArrayList<>();
    /** CPU of the daemons this run stopped, read just before each was stopped. */
    private final DoubleAdder stoppedDaemonsCpu = new DoubleAdder();

    private volatile long mainDaemonPid = -1;
    private volatile long mainProxyPid = -1;
    private int nextSeq;
    private boolean cleanedUp;

    private DaemonBench(Path launcher) throws IOException {
        this.launcher = launcher.toAbsolutePath().normalize();
        this.repoRoot = this.launcher.getParent();
        // Short: the daemon's Unix socket lives in the home, and socket paths are limited to ~100 bytes.
        this.base = Files.createTempDirectory("lhb");
        this.emulator = LarkEmulator.start(EmulatorOptions.defaults().withPort(0), null, null);
        this.control = emulator.control();
        this.alice = control.addUser("Alice", "alice@example.com");
        this.group = control.createGroup("bench", alice);
    }

    public static void main(String[] args) throws Exception {
        ResultsFile results = ResultsFile.open(Path.of(args.length > 0 ? args[0] : "bench/RESULTS.md"));
        Path launcher = Path.of(args.length > 1 ? args[1] : "lark-handoff");
        double steadySeconds = args.length > 2 ? Double.parseDouble(args[2]) : 10;
        DaemonProcesses.requireLauncher(launcher);
        DaemonBench bench = new DaemonBench(launcher);
        results.childrenCpu(bench::childrenCpuSeconds);
        Runtime.getRuntime().addShutdownHook(new Thread(bench::cleanUp, "daemon-bench-cleanup"));
        Thread watchdog = new Thread(
                () -> {
                    try {
                        Thread.sleep(TIME_LIMIT.toMillis());
                        System.err.println("DaemonBench: still running after " + TIME_LIMIT.toMinutes()
                                + " min; giving up and ending every process it started");
                        bench.cleanUp();
                        Runtime.getRuntime().halt(3);
                    } catch (InterruptedException e) {
                        // finished in time
                    }
                },
                "daemon-bench-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        int status = 0;
        try {
            String section = bench.run(steadySeconds);
            results.writeSection(
                    "daemon", "Daemon end to end: stdio proxy, daemon and emulator (DaemonBench)", section);
        } catch (Throwable e) {
            LoggerFactory.getLogger(DaemonBench.class).error("DaemonBench failed", e);
            bench.printLogs();
            status = 1;
        } finally {
            bench.cleanUp();
            watchdog.interrupt();
        }
        System.exit(status);
    }

    // ---------------------------------------------------------------------------------------------------------

    private String run(double steadySeconds) throws Exception {
        long started = System.nanoTime();
        Path home = base.resolve("main");
        configure(home);

        log("starting the dispatcher's proxy (it spawns the daemon)");
        ProxyProcess proxy = startProxy(home, "bench-dispatcher", "dispatcher");
        mainProxyPid = proxy.pid();
        mainDaemonPid = DaemonProcesses.awaitDaemon(home);
        long daemonPid = mainDaemonPid;
        String proxyCommand = DaemonProcesses.commandLine(proxy.pid(), home, repoRoot);
        String daemonCommand = DaemonProcesses.commandLine(daemonPid, home, repoRoot);
        Thread.sleep(2_000); // the daemon finishes connecting to Lark
        Memory idleDaemon = Memory.of(daemonPid);
        Memory idleProxy = Memory.of(proxy.pid());
        log("idle: daemon %s, proxy %s", idleDaemon, idleProxy);

        // (1) steady rate, after a warm-up at the same rate
        log("warm-up: %.0f s at %d events/s", WARM_UP_SECONDS, STEADY_RATE);
        Phase warmUp = phase("warm-up", STEADY_RATE, WARM_UP_SECONDS, false);
        boolean warmedUp = awaitQuiet();
        warmUp = warmUp.remeasure(ledger);
        if (!warmedUp || warmUp.lost > 0 || warmUp.duplicates > 0) {
            throw new IllegalStateException("the warm-up did not deliver every event once: " + warmUp.summary());
        }
        log("(1) %.0f s at %d events/s", steadySeconds, STEADY_RATE);
        Cpu cpuBefore = Cpu.of(daemonPid, proxy.pid());
        long reactionsBefore = reactionsAdded();
        long reactionsFrom = System.nanoTime();
        long refusedBefore = reactionsRefused(home);
        Phase steady;
        Memory loadDaemon;
        Memory loadProxy;
        try (RssSampler sampler = new RssSampler(daemonPid, proxy.pid())) {
            steady = phase("steady", STEADY_RATE, steadySeconds, false);
            loadDaemon = Memory.of(daemonPid).withSampledPeak(sampler.peakA.get());
            loadProxy = Memory.of(proxy.pid()).withSampledPeak(sampler.peakB.get());
        }
        Cpu cpu = Cpu.of(daemonPid, proxy.pid()).minus(cpuBefore);
        long reactions = reactionsAdded() - reactionsBefore;
        double reactionSeconds = (System.nanoTime() - reactionsFrom) / 1e9;
        long refused = reactionsRefused(home) - refusedBefore;
        log("(1) %s", steady.summary());
        log("(1) p50 in each second: %s", steady.p50BySecond());
        log(
                "under load: daemon %s, proxy %s; CPU daemon %.2f s, proxy %.2f s, bench %.2f s",
                loadDaemon, loadProxy, cpu.daemon(), cpu.proxy(), cpu.bench());
        boolean quiet = awaitQuiet();

        // (2) stepped rates
        List<Phase> steps = new ArrayList<>();
        Phase held = null;
        Phase failed = null;
        int rate = FIRST_STEP_RATE;
        while (quiet && rate >= MIN_STEP_RATE && rate <= MAX_STEP_RATE) {
            log("(2) %,d events/s for %.0f s", rate, STEP_SECONDS);
            Phase p = phase("step", rate, STEP_SECONDS, true);
            steps.add(p);
            quiet = awaitQuiet();
            log("(2) %s", p.summary());
            if (p.held) {
                held = p;
                if (failed != null) {
                    break;
                }
                rate *= 2;
            } else {
                failed = p;
                if (held != null) {
                    break;
                }
                rate /= 2;
            }
        }
        for (int i = 0; quiet && held != null && failed != null && i < REFINEMENTS; i++) {
            int mid = (int) Math.round((held.rate + failed.rate) / 2.0 / 25) * 25;
            if (mid <= held.rate || mid >= failed.rate) {
                break;
            }
            log("(2) refining: %,d events/s for %.0f s", mid, STEP_SECONDS);
            Phase p = phase("refine", mid, STEP_SECONDS, true);
            steps.add(p);
            quiet = awaitQuiet();
            log("(2) %s", p.summary());
            if (p.held) {
                held = p;
            } else {
                failed = p;
            }
        }
        if (!quiet) {
            throw new IllegalStateException("the daemon did not catch up with the events within 30 s; stopping");
        }

        // (3) tool round trips
        log("(3) %s over stdio and HTTP", OwnershipTools.STATUS);
        ToolCalls stdioCalls = timeCalls(proxy.client());
        ToolCalls httpCalls = timeCalls(httpClient(home));
        log(
                "(3) stdio p50 %.2f ms p99 %.2f ms; HTTP p50 %.2f ms p99 %.2f ms",
                stdioCalls.latency().percentileMillis(50),
                stdioCalls.latency().percentileMillis(99),
                httpCalls.latency().percentileMillis(50),
                httpCalls.latency().percentileMillis(99));

        // (4) cold starts
        List<Long> versionRuns = new ArrayList<>();
        for (int i = 0; i < VERSION_RUNS; i++) {
            versionRuns.add(ProxyProcess.versionNanos(launcher));
        }
        log("(4) lark-handoff --version: %s", millis(versionRuns));
        List<Long> warmStarts = new ArrayList<>();
        for (int i = 0; i < WARM_STARTS; i++) {
            ProxyProcess p = startProxy(home, "bench-start-" + i, "session");
            warmStarts.add(p.startToInitializeNanos());
            closeProxy(p);
        }
        log("(4) proxy start with the daemon running: %s", millis(warmStarts));
        List<Long> freshStarts = new ArrayList<>();
        List<Long> restartStarts = new ArrayList<>();
        for (List<Long> into : List.of(freshStarts, restartStarts)) {
            for (int i = 0; i < SPAWN_STARTS; i++) {
                Path h = base.resolve("fresh" + i);
                if (into == freshStarts) {
                    configure(h);
                }
                ProxyProcess p = startProxy(h, "bench-first-" + i, "dispatcher");
                into.add(p.startToInitializeNanos());
                closeProxy(p);
                stopDaemons(h);
            }
        }
        log(
                "(4) proxy start spawning the daemon: fresh homes %s; existing homes %s",
                millis(freshStarts), millis(restartStarts));

        // Counted again at the end: an event read late still counts (it was not lost), and so does a late duplicate.
        steady = steady.remeasure(ledger);
        steps.replaceAll(p -> p.remeasure(ledger));
        held = held == null
                ? null
                : steps.stream()
                        .filter(p -> p.held)
                        .max(Comparator.comparingInt(p -> p.rate))
                        .orElseThrow();
        double minutes = (System.nanoTime() - started) / 60e9;
        return report(new Report(
                steadySeconds,
                proxyCommand,
                daemonCommand,
                steady,
                steps,
                held,
                stdioCalls,
                httpCalls,
                versionRuns,
                warmStarts,
                freshStarts,
                restartStarts,
                idleDaemon,
                idleProxy,
                loadDaemon,
                loadProxy,
                cpu,
                reactions,
                reactionSeconds,
                refused,
                minutes));
    }

    // ---- setup ----------------------------------------------------------------------------------------------

    /** A home as the scenarios' TestWorld makes one: the emulator's app, Alice allowlisted, no @-mention needed. */
    private void configure(Path home) throws IOException {
        Files.createDirectories(home);
        new LarkHandoffConfig(home, emulator.app().appId(), emulator.app().appSecret(), emulator.baseUrl()).save();
        new AccessFile(home)
                .save(AccessPolicy.defaults()
                        .withAllowFrom(List.of(alice.openId()))
                        .withGroups(Map.of(group.chatId, new AccessPolicy.GroupRule(false, List.of()))));
    }

    private ProxyProcess startProxy(Path home, String sessionId, String role) {
        ProxyProcess p = ProxyProcess.start(
                launcher, home, sessionId, role, base.resolve("proxy-" + sessionId + ".stderr"), ledger);
        proxies.add(p);
        return p;
    }

    private void closeProxy(ProxyProcess p) {
        p.close();
        proxies.remove(p);
    }

    private McpSyncClient httpClient(Path home) throws IOException {
        String url =
                HttpEndpointFile.read(home).orElseThrow(() -> new IllegalStateException("no http.json in " + home));
        String bearer =
                "Bearer " + Files.readString(home.resolve(HttpToken.FILE_NAME)).strip();
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(url)
                        .endpoint(HttpFront.MCP_PATH)
                        .httpRequestCustomizer(
                                (builder, method, uri, body, context) -> builder.header("Authorization", bearer))
                        .build())
                .requestTimeout(Duration.ofSeconds(30))
                .clientInfo(new McpSchema.Implementation("lark-handoff-bench", "1.0"))
                .build();
        httpClients.add(client);
        client.initialize();
        return client;
    }

    // ---- events ---------------------------------------------------------------------------------------------

    /**
     * Sends {@code rate × seconds} messages at a fixed schedule from this thread, then waits for them on the
     * proxy's stdout (up to {@link #GIVE_UP} after the last send) and a little longer for duplicates. With
     * {@code stopWhenBehind}, stops sending once {@link #BEHIND_SECONDS} of its events are outstanding.
     */
    private Phase phase(String label, int rate, double seconds, boolean stopWhenBehind) throws InterruptedException {
        int n = (int) Math.round(rate * seconds);
        if (nextSeq + n > CAPACITY) {
            throw new IllegalStateException("more events than the ledger holds");
        }
        int from = nextSeq;
        int arrivedBefore = ledger.distinct.get();
        Cpu cpuBefore = Cpu.of(mainDaemonPid, mainProxyPid);
        double periodNanos = 1e9 / rate;
        long start = System.nanoTime() + 1_000_000;
        long hardStop = start + (long) ((seconds * 2 + 5) * 1e9);
        long behindLimit = (long) Math.max(BEHIND_SECONDS * rate, 100);
        String abort = null;
        int sent = 0;
        long firstSend = 0;
        long lastSend = 0;
        for (int i = 0; i < n; i++) {
            long due = start + (long) (i * periodNanos);
            for (long wait; (wait = due - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(wait);
            }
            int seq = from + i;
            long t = System.nanoTime();
            ledger.sentAt.set(seq, t);
            EmulatorControl.Sent s = control.sendText(alice, group.chatId, Ledger.TEXT_PREFIX + seq);
            s.deliveries()
                    .forEach(d -> d.whenComplete((ack, e) -> {
                        ledger.ackedAt.compareAndSet(seq, 0, System.nanoTime());
                        if (ack != null) {
                            ledger.attempts.set(seq, ack.attempts());
                        }
                    }));
            if (i == 0) {
                firstSend = t;
            }
            lastSend = t;
            sent++;
            nextSeq = seq + 1;
            if (stopWhenBehind && (i & 31) == 0 && i > rate) {
                long outstanding = sent - (ledger.distinct.get() - arrivedBefore);
                if (outstanding > behindLimit) {
                    abort = String.format(
                            Locale.ROOT,
                            "stopped sending after %,d: %,d outstanding (> %.0f s' worth)",
                            sent,
                            outstanding,
                            BEHIND_SECONDS);
                    break;
                }
                if (t > hardStop) {
                    abort = "stopped sending: the sender could not keep to the schedule";
                    break;
                }
            }
        }
        long giveUp = lastSend + GIVE_UP.toNanos();
        while (ledger.distinct.get() < nextSeq && System.nanoTime() < giveUp) {
            Thread.sleep(2);
        }
        Cpu cpu = Cpu.of(mainDaemonPid, mainProxyPid).minus(cpuBefore);
        Thread.sleep(300); // a duplicate would come right behind
        Phase p = Phase.measure(label, rate, from, sent, n, firstSend, lastSend, abort, ledger);
        p.cpu = cpu;
        return p;
    }

    /**
     * Waits until Lark (the emulator) has no event waiting for an ack and every event sent so far was read from
     * the proxy, then half a second more. False when that did not happen within 30 s.
     */
    private boolean awaitQuiet() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (emulator.gateway().unacknowledged() == 0 && ledger.distinct.get() >= nextSeq) {
                Thread.sleep(500);
                return true;
            }
            Thread.sleep(20);
        }
        log(
                "not quiet after 30 s: %d events unacknowledged at Lark, %d not read from the proxy",
                emulator.gateway().unacknowledged(), nextSeq - ledger.distinct.get());
        return false;
    }

    /** "Received" reactions the daemon added, as the emulator saw them. */
    private long reactionsAdded() {
        return control.calls().stream()
                .filter(c -> c.method().equals("POST") && c.path().endsWith("/reactions") && c.code() == 0)
                .count();
    }

    /** Reactions the daemon's Lark client refused to send (the pacing wait would have been too long), from its log. */
    private static long reactionsRefused(Path home) {
        try (Stream<Path> logs = Files.list(home.resolve("logs"))) {
            long n = 0;
            for (Path log : logs.filter(p -> p.getFileName().toString().startsWith("daemon."))
                    .toList()) {
                try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
                    n += lines.filter(l -> l.contains(REACTION_REFUSED)).count();
                }
            }
            return n;
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    /** What the proxy wrote, by sequence number: when each was sent, first read, acknowledged to Lark. */
    static final class Ledger implements ProxyProcess.ChannelSink {
        static final String TEXT_PREFIX = "lhb-";
        private static final String CONTENT = "\"content\":\"" + TEXT_PREFIX;

        final AtomicLongArray sentAt;
        final AtomicLongArray firstReadAt;
        final AtomicLongArray ackedAt;
        final AtomicIntegerArray reads;
        final AtomicIntegerArray attempts;
        final AtomicInteger distinct = new AtomicInteger();
        final AtomicInteger foreign = new AtomicInteger();

        Ledger(int capacity) {
            sentAt = new AtomicLongArray(capacity);
            firstReadAt = new AtomicLongArray(capacity);
            ackedAt = new AtomicLongArray(capacity);
            reads = new AtomicIntegerArray(capacity);
            attempts = new AtomicIntegerArray(capacity);
        }

        @Override
        public void line(long readNanos, String line) {
            int seq = seqOf(line);
            if (seq < 0 || seq >= reads.length()) {
                foreign.incrementAndGet();
                return;
            }
            if (reads.incrementAndGet(seq) == 1) {
                firstReadAt.set(seq, readNanos);
                distinct.incrementAndGet();
            }
        }

        static int seqOf(String line) {
            int i = line.indexOf(CONTENT);
            if (i < 0) {
                return -1;
            }
            int seq = 0;
            boolean any = false;
            for (i += CONTENT.length(); i < line.length() && Character.isDigit(line.charAt(i)); i++) {
                seq = seq * 10 + (line.charAt(i) - '0');
                any = true;
            }
            return any ? seq : -1;
        }
    }

    /** One run of events at one offered rate, as it was measured once its events were in (or given up). */
    static final class Phase {
        final String label;
        final int rate;
        final int from;
        final int sent;
        final int planned;
        final double sendSeconds;
        final long firstSend;
        final long lastSend;
        final String abort;
        final int received;
        /** Events read exactly once. */
        final int once;

        final int lost;
        final int duplicates;
        /** Whether the step held when it was measured (see {@link #sustained}); kept when measured again. */
        boolean held;
        /** CPU used from the first send until the events were in (or given up). */
        Cpu cpu;

        final int redelivered;
        final Latencies latency;
        /** From the send to the daemon's (first) ack reaching the emulator. */
        final Latencies stored;
        /** Latency of the events sent in each second of the phase. */
        final List<Latencies> bySecond;
        /** Nanoseconds from the last send to the last first read; -1 when nothing arrived. */
        final long drainNanos;

        final double throughput;

        private Phase(
                String label,
                int rate,
                int from,
                int sent,
                int planned,
                long firstSend,
                long lastSend,
                double sendSeconds,
                String abort,
                int received,
                int once,
                int duplicates,
                int redelivered,
                Latencies latency,
                Latencies stored,
                List<Latencies> bySecond,
                long drainNanos,
                double throughput) {
            this.label = label;
            this.rate = rate;
            this.from = from;
            this.sent = sent;
            this.planned = planned;
            this.firstSend = firstSend;
            this.lastSend = lastSend;
            this.sendSeconds = sendSeconds;
            this.abort = abort;
            this.received = received;
            this.once = once;
            this.lost = sent - received;
            this.duplicates = duplicates;
            this.redelivered = redelivered;
            this.latency = latency;
            this.stored = stored;
            this.bySecond = bySecond;
            this.drainNanos = drainNanos;
            this.throughput = throughput;
            this.held = sustained();
        }

        /** The same events counted again now, with the verdict of the first count. */
        Phase remeasure(Ledger l) {
            Phase again = measure(label, rate, from, sent, planned, firstSend, lastSend, abort, l);
            again.held = held;
            again.cpu = cpu;
            return again;
        }

        static Phase measure(
                String label,
                int rate,
                int from,
                int sent,
                int planned,
                long firstSend,
                long lastSend,
                String abort,
                Ledger l) {
            Latencies latency = new Latencies(Math.max(1, sent));
            Latencies stored = new Latencies(Math.max(1, sent));
            List<Latencies> bySecond = new ArrayList<>();
            int received = 0;
            int once = 0;
            int duplicates = 0;
            int redelivered = 0;
            long lastRead = 0;
            for (int s = from; s < from + sent; s++) {
                int reads = l.reads.get(s);
                long sentAt = l.sentAt.get(s);
                if (reads == 1) {
                    once++;
                }
                if (reads > 0) {
                    received++;
                    long read = l.firstReadAt.get(s);
                    latency.add(read - sentAt);
                    int second = (int) ((sentAt - firstSend) / 1_000_000_000L);
                    while (bySecond.size() <= second) {
                        bySecond.add(new Latencies(rate + 1));
                    }
                    bySecond.get(second).add(read - sentAt);
                    lastRead = Math.max(lastRead, read);
                }
                duplicates += Math.max(0, reads - 1);
                long acked = l.ackedAt.get(s);
                if (acked > 0) {
                    stored.add(acked - sentAt);
                }
                if (l.attempts.get(s) > 1) {
                    redelivered++;
                }
            }
            double sendSeconds = sent > 1 ? (lastSend - firstSend) / 1e9 : 0;
            long drain = lastRead == 0 ? -1 : lastRead - lastSend;
            double throughput = lastRead > firstSend ? received / ((lastRead - firstSend) / 1e9) : 0;
            return new Phase(
                    label,
                    rate,
                    from,
                    sent,
                    planned,
                    firstSend,
                    lastSend,
                    sendSeconds,
                    abort,
                    received,
                    once,
                    duplicates,
                    redelivered,
                    latency,
                    stored,
                    bySecond,
                    drain,
                    throughput);
        }

        /** The rate was offered in full and every event arrived once, the last within the drain bound. */
        private boolean sustained() {
            return abort == null
                    && lost == 0
                    && duplicates == 0
                    && drainNanos >= 0
                    && drainNanos <= DRAIN_BOUND.toNanos();
        }

        double sendRate() {
            return sendSeconds > 0 ? (sent - 1) / sendSeconds : 0;
        }

        /** Seconds from the first send to the last read. */
        double wallSeconds() {
            return sendSeconds + Math.max(0, drainNanos) / 1e9;
        }

        String p50BySecond() {
            return String.join(
                            ", ",
                            bySecond.stream()
                                    .map(l -> String.format(Locale.ROOT, "%.1f", l.percentileMillis(50)))
                                    .toList())
                    + " ms";
        }

        String summary() {
            return String.format(
                    Locale.ROOT,
                    "%,d sent at %,.0f/s, %,d received, %d lost, %d duplicated, "
                            + "p50 %.1f ms, p99 %.1f ms, max %.1f ms, drained %.0f ms after the last send, %,.0f events/s, "
                            + "daemon CPU %.2f ms an event%s",
                    sent,
                    sendRate(),
                    received,
                    lost,
                    duplicates,
                    latency.percentileMillis(50),
                    latency.percentileMillis(99),
                    latency.maxMillis(),
                    drainNanos / 1e6,
                    throughput,
                    daemonCpuPerEvent(),
                    abort == null ? "" : " — " + abort);
        }

        double daemonCpuPerEvent() {
            return cpu == null || sent == 0 ? Double.NaN : 1000 * cpu.daemon() / sent;
        }

        /** The daemon's CPU as a share of one core over the phase (first send to last read). */
        double daemonCores() {
            return cpu == null ? Double.NaN : cpu.daemon() / Math.max(1e-3, wallSeconds());
        }
    }

    // ---- tools ----------------------------------------------------------------------------------------------

    /** The latency of each measured call, and the calls per second they made one after the other. */
    record ToolCalls(Latencies latency, double perSecond) {}

    private static ToolCalls timeCalls(McpSyncClient client) {
        McpSchema.CallToolRequest request = new McpSchema.CallToolRequest(OwnershipTools.STATUS, Map.of());
        for (int i = 0; i < TOOL_WARM_UP; i++) {
            check(client.callTool(request));
        }
        Latencies l = new Latencies(TOOL_CALLS);
        long start = System.nanoTime();
        for (int i = 0; i < TOOL_CALLS; i++) {
            long t0 = System.nanoTime();
            McpSchema.CallToolResult r = client.callTool(request);
            l.add(System.nanoTime() - t0);
            check(r);
        }
        return new ToolCalls(l, TOOL_CALLS / ((System.nanoTime() - start) / 1e9));
    }

    private static void check(McpSchema.CallToolResult r) {
        if (Boolean.TRUE.equals(r.isError()) || r.content().isEmpty()) {
            throw new IllegalStateException(OwnershipTools.STATUS + " failed: " + r);
        }
    }

    // ---- processes ------------------------------------------------------------------------------------------

    /** SIGTERM to the daemons of {@code home} (they drain and close Lark), SIGKILL to any still there after 8 s. */
    private void stopDaemons(Path home) {
        stop(DaemonProcesses.daemons(home.toString()::equals));
    }

    private void stop(List<ProcessHandle> daemons) {
        for (ProcessHandle p : daemons) {
            double cpu = DaemonProcesses.cpuSeconds(p.pid());
            if (!Double.isNaN(cpu)) {
                stoppedDaemonsCpu.add(cpu);
            }
            if (p.pid() == mainDaemonPid) {
                mainDaemonPid = -1;
            }
        }
        DaemonProcesses.stop(daemons, "DaemonBench");
    }

    /**
     * CPU seconds of the processes this run started: the proxies and {@code --version} runs it waited for (the
     * kernel adds those to this process's children time), the daemons it stopped, and the main proxy and daemon
     * while they run.
     */
    private double childrenCpuSeconds() {
        double cpu = stoppedDaemonsCpu.sum();
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            cpu += (Long.parseLong(f[13]) + Long.parseLong(f[14])) / 100.0;
        } catch (IOException | RuntimeException e) {
            // not Linux: the daemons' share only
        }
        for (long pid : new long[] {mainDaemonPid, mainProxyPid}) {
            double c = pid < 0 ? Double.NaN : DaemonProcesses.cpuSeconds(pid);
            if (!Double.isNaN(c)) {
                cpu += c;
            }
        }
        return cpu;
    }

    /** Ends everything this run started: HTTP clients, proxies, every daemon of a home under the base, Lark. */
    private synchronized void cleanUp() {
        if (cleanedUp) {
            return;
        }
        cleanedUp = true;
        httpClients.forEach(c -> {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // best effort
            }
        });
        proxies.forEach(ProxyProcess::close);
        stop(DaemonProcesses.daemons(h -> h.startsWith(base.toString())));
        try {
            emulator.close();
        } catch (RuntimeException ignored) {
            // best effort
        }
        DaemonProcesses.deleteTree(base, "DaemonBench");
    }

    /** After a failure: the tail of the proxies' stderr and of the daemons' logs. */
    private void printLogs() {
        DaemonProcesses.printLogs(base, "DaemonBench");
    }

    // ---- memory and CPU -------------------------------------------------------------------------------------

    /**
     * VmRSS and VmHWM (the kernel's peak RSS) of a process, in KiB, from /proc/<pid>/status, and the highest
     * VmRSS sampled meanwhile (or -1).
     */
    record Memory(long rssKiB, long hwmKiB, long sampledPeakKiB) {
        static Memory of(long pid) {
            long rss = -1;
            long hwm = -1;
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        rss = kib(line);
                    } else if (line.startsWith("VmHWM:")) {
                        hwm = kib(line);
                    }
                }
            } catch (IOException gone) {
                // reported as -1
            }
            return new Memory(rss, hwm, -1);
        }

        Memory withSampledPeak(long kib) {
            return new Memory(rssKiB, hwmKiB, kib);
        }

        private static long kib(String line) {
            return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s (VmHWM %s)", mib(rssKiB), mib(hwmKiB));
        }
    }

    static String mib(long kib) {
        return kib < 0 ? "?" : String.format(Locale.ROOT, "%.0f MiB", kib / 1024.0);
    }

    /** Samples the VmRSS of two processes every 100 ms and keeps the highest of each. */
    static final class RssSampler implements AutoCloseable {
        final AtomicLong peakA = new AtomicLong(-1);
        final AtomicLong peakB = new AtomicLong(-1);
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rss-sampler");
            t.setDaemon(true);
            return t;
        });

        RssSampler(long a, long b) {
            timer.scheduleAtFixedRate(
                    () -> {
                        peakA.accumulateAndGet(Memory.of(a).rssKiB(), Math::max);
                        peakB.accumulateAndGet(Memory.of(b).rssKiB(), Math::max);
                    },
                    0,
                    100,
                    TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    /** CPU seconds used by the daemon, the proxy and this JVM (the emulator, the sender and the reader). */
    record Cpu(double daemon, double proxy, double bench) {
        static Cpu of(long daemonPid, long proxyPid) {
            return new Cpu(
                    DaemonProcesses.cpuSeconds(daemonPid),
                    DaemonProcesses.cpuSeconds(proxyPid),
                    ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                                    .getProcessCpuTime()
                            / 1e9);
        }

        Cpu minus(Cpu o) {
            return new Cpu(daemon - o.daemon, proxy - o.proxy, bench - o.bench);
        }
    }

    // ---- report ---------------------------------------------------------------------------------------------

    /** Everything the section reports. */
    record Report(
            double steadySeconds,
            String proxyCommand,
            String daemonCommand,
            Phase steady,
            List<Phase> steps,
            Phase held,
            ToolCalls stdio,
            ToolCalls http,
            List<Long> versionRuns,
            List<Long> warmStarts,
            List<Long> freshStarts,
            List<Long> restartStarts,
            Memory idleDaemon,
            Memory idleProxy,
            Memory loadDaemon,
            Memory loadProxy,
            Cpu cpu,
            long reactions,
            double reactionSeconds,
            long refusedReactions,
            double minutes) {}

    private String report(Report r) {
        Phase steady = r.steady();
        StringBuilder md = new StringBuilder();
        md.append(String.format(
                Locale.ROOT,
                """
                Measured by dev.larkhandoff.bench.DaemonBench through real processes on loopback: the stdio proxy as \
                the repository's `lark-handoff` launcher starts it (`%s`), the daemon that proxy spawned (`%s`), and \
                the emulator as Lark inside the bench JVM, which also runs the MCP Java SDK client and a thread \
                reading the proxy's stdout. They share the machine's %d cores. Each inbound message is a text \
                `lhb-<n>` that Alice sends into a group through the emulator's control API; the daemon receives it \
                over the long connection, stores it in SQLite, acknowledges it to Lark, routes it to the \
                dispatcher's proxy over the Unix socket, and the proxy writes the `notifications/claude/channel` \
                line. Latency runs from just before the emulator's send call to the moment the bench reads that \
                line from the proxy's stdout (one clock: `System.nanoTime` of the bench JVM); events are matched by \
                `<n>`, and counted again at the end of the run: *lost* is never read by then, *duplicated* read more than \
                once by then. The whole run \
                took %.1f min. Figures from one run; on a shared 2-core machine they move with whatever else runs \
                (see *other processes* above).
                """,
                r.proxyCommand(),
                r.daemonCommand(),
                Runtime.getRuntime().availableProcessors(),
                r.minutes()));

        md.append(String.format(
                Locale.ROOT,
                """

                ### 1. Inbound event → channel notification, steady %d events/s

                Method: one thread sends on a fixed schedule for %.0f s, after a %.0f s warm-up at the same rate. \
                *Ack at Lark* runs from the send to the daemon's ack reaching the emulator: the daemon acks an event \
                once it is stored in its inbox, before it routes it to the proxy. *Redelivered*: events Lark pushed \
                again because their ack took longer than its 3 s.

                | offered | sent | received once | lost | duplicated | p50 | p99 | max | ack at Lark: p50 | ack at Lark: p99 | redelivered by Lark |
                |---|---|---|---|---|---|---|---|---|---|---|
                | %d events/s (sent at %.0f/s) | %,d | %,d | %d | %d | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %d |

                p50 of the events sent in each second: %s.
                """,
                STEADY_RATE,
                r.steadySeconds(),
                WARM_UP_SECONDS,
                STEADY_RATE,
                steady.sendRate(),
                steady.sent,
                steady.once,
                steady.lost,
                steady.duplicates,
                steady.latency.percentileMillis(50),
                steady.latency.percentileMillis(99),
                steady.latency.maxMillis(),
                steady.stored.percentileMillis(50),
                steady.stored.percentileMillis(99),
                steady.redelivered,
                steady.p50BySecond()));

        md.append(String.format(
                Locale.ROOT,
                """

                ### 2. Highest sustained rate with zero loss

                Method: steps of %.0f s each, back to back (after the last one's events are all in), from %d \
                events/s, doubling while a step holds or halving while it does not (%d to %,d events/s), then %d \
                steps that halve the gap between the highest rate that held and the lowest that did not. A step \
                **holds** when it was offered in full and, counted up to %d s after its last send, every event was \
                read exactly once, the last one within %,d ms of that send (the backlog drained). A step stops \
                sending early once more than %.0f s' worth of its events are outstanding. *Throughput* is events \
                read over the time from the first send to the last read; *daemon CPU* is over that time too.

                | offered | sent | sent at | lost | duplicated | p50 | p99 | max | last read after last send | throughput | daemon CPU | holds |
                |---|---|---|---|---|---|---|---|---|---|---|---|
                """,
                STEP_SECONDS,
                FIRST_STEP_RATE,
                MIN_STEP_RATE,
                MAX_STEP_RATE,
                REFINEMENTS,
                GIVE_UP.toSeconds(),
                DRAIN_BOUND.toMillis(),
                BEHIND_SECONDS));
        for (Phase p : r.steps()) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %,d events/s | %,d%s | %,.0f/s | %d | %d | %.1f ms | %.1f ms | %.1f ms | %s | %,.0f events/s | %.0f%% of a core, %.2f ms an event | %s |%n",
                    p.rate,
                    p.sent,
                    p.sent < p.planned ? String.format(Locale.ROOT, " of %,d", p.planned) : "",
                    p.sendRate(),
                    p.lost,
                    p.duplicates,
                    p.latency.percentileMillis(50),
                    p.latency.percentileMillis(99),
                    p.latency.maxMillis(),
                    p.drainNanos < 0 ? "—" : String.format(Locale.ROOT, "%,.0f ms", p.drainNanos / 1e6),
                    p.throughput,
                    100 * p.daemonCores(),
                    p.daemonCpuPerEvent(),
                    p.held ? "yes" : "**no**" + (p.abort == null ? "" : " (stopped early)")));
        }
        Phase best = r.held();
        if (best == null) {
            md.append(String.format(Locale.ROOT, "%n**No step held**, down to %d events/s.%n", MIN_STEP_RATE));
        } else {
            md.append(String.format(
                    Locale.ROOT,
                    """

                    **Highest sustained rate: %,d events/s** offered%s; %,.0f events/s delivered (from its first send \
                    to its last read), p99 %.1f ms.
                    """,
                    best.rate,
                    best.rate * 2 > MAX_STEP_RATE ? " (the highest step tried)" : "",
                    best.throughput,
                    best.latency.percentileMillis(99)));
        }

        md.append(String.format(
                Locale.ROOT,
                """

                ### 3. Tool round trip: `%s`

                Method: the MCP Java SDK's sync client calls the tool %d times in a row after %d warm-up calls: over \
                stdio through the dispatcher's proxy (proxy → daemon over the Unix socket and back), and over the \
                daemon's Streamable HTTP front (`/mcp` with the bearer token from `<home>/http.token`, the SDK's \
                `HttpClientStreamableHttpTransport`). Time from the call to its return in the bench.

                | transport | calls | p50 | p99 | max | calls/s, one at a time |
                |---|---|---|---|---|---|
                | stdio (SDK client → proxy → daemon) | %d | %.2f ms | %.2f ms | %.2f ms | %,.0f |
                | Streamable HTTP (SDK client → daemon) | %d | %.2f ms | %.2f ms | %.2f ms | %,.0f |
                """,
                OwnershipTools.STATUS,
                TOOL_CALLS,
                TOOL_WARM_UP,
                r.stdio().latency().count(),
                r.stdio().latency().percentileMillis(50),
                r.stdio().latency().percentileMillis(99),
                r.stdio().latency().maxMillis(),
                r.stdio().perSecond(),
                r.http().latency().count(),
                r.http().latency().percentileMillis(50),
                r.http().latency().percentileMillis(99),
                r.http().latency().maxMillis(),
                r.http().perSecond()));

        md.append(String.format(
                Locale.ROOT,
                """

                ### 4. Proxy cold start to the `initialize` result

                Method: time from just before the bench starts `/bin/sh lark-handoff stdio` to the moment it reads \
                the `initialize` result from the proxy's stdout (the SDK client sends `initialize` at once; the \
                proxy answers once it has connected to the daemon and listed its tools). *Daemon running*: a \
                teammate session (role `session`) joins the home the benchmark's daemon serves. *Spawns the \
                daemon*: the first session of a fresh home (new SQLite file, migrations applied), so the proxy \
                starts the daemon and waits for its socket; then the same homes again after their daemons were \
                stopped with SIGTERM (existing database). For scale, `lark-handoff --version` from start to exit: \
                the same JVM and jar doing almost nothing.

                | case | runs | median | min | max | each run |
                |---|---|---|---|---|---|
                %s
                %s
                %s
                %s
                """,
                startRow("daemon already running", r.warmStarts()),
                startRow("spawns the daemon, fresh home", r.freshStarts()),
                startRow("spawns the daemon, existing home", r.restartStarts()),
                startRow("`lark-handoff --version` (start to exit)", r.versionRuns())));

        double wall = steady.wallSeconds();
        md.append(String.format(
                Locale.ROOT,
                """

                ### 5. Resident memory

                Method: VmRSS from `/proc/<pid>/status` of the daemon and of the dispatcher's proxy: *idle* 2 s \
                after the proxy initialized, before any event; *under load* as the last event of step 1 was read; \
                the highest VmRSS sampled every 100 ms during step 1; VmHWM is the kernel's peak since the process \
                started (warm-up and step 1 included). Both JVMs run with the default heap limit (a quarter of the \
                machine's memory) under the serial collector, so RSS is mostly how far the heap has grown. CPU is \
                what each process used during step 1 (%.1f s from first send to last read).

                | process | idle | under load | highest sampled in step 1 | VmHWM | CPU in step 1 | CPU per event |
                |---|---|---|---|---|---|---|
                | daemon | %s | %s | %s | %s | %.2f s (%.0f%% of one core) | %.2f ms |
                | proxy | %s | %s | %s | %s | %.2f s (%.0f%% of one core) | %.2f ms |
                | bench JVM: emulator, sender, reader | | | | | %.2f s (%.0f%% of one core) | %.2f ms |

                While step 1 ran, the emulator got %,d "received" reactions from the daemon (%.0f/s) for its %,d \
                messages, and the daemon's Lark client refused %,d (it logs a warning for each). That client paces \
                every API call of the app at Lark's 50/s less a 5%% margin and refuses a call that would have to \
                wait more than 30 s, so above about 47 messages/s the reactions queue up in the daemon, for up to \
                30 s, in the same queue as every other call the daemon makes to Lark.
                """,
                wall,
                mib(r.idleDaemon().rssKiB()),
                mib(r.loadDaemon().rssKiB()),
                mib(r.loadDaemon().sampledPeakKiB()),
                mib(r.loadDaemon().hwmKiB()),
                r.cpu().daemon(),
                100 * r.cpu().daemon() / wall,
                1000 * r.cpu().daemon() / steady.sent,
                mib(r.idleProxy().rssKiB()),
                mib(r.loadProxy().rssKiB()),
                mib(r.loadProxy().sampledPeakKiB()),
                mib(r.loadProxy().hwmKiB()),
                r.cpu().proxy(),
                100 * r.cpu().proxy() / wall,
                1000 * r.cpu().proxy() / steady.sent,
                r.cpu().bench(),
                100 * r.cpu().bench() / wall,
                1000 * r.cpu().bench() / steady.sent,
                r.reactions(),
                r.reactions() / r.reactionSeconds(),
                steady.sent,
                r.refusedReactions()));
        if (ledger.foreign.get() > 0) {
            md.append(String.format(
                    Locale.ROOT,
                    "%nThe proxy also wrote %d channel notifications the bench did not " + "send.%n",
                    ledger.foreign.get()));
        }
        return md.toString();
    }

    private static String startRow(String label, List<Long> nanos) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        long median = sorted[sorted.length / 2];
        return String.format(
                Locale.ROOT,
                "| %s | %d | %,d ms | %,d ms | %,d ms | %s |",
                label,
                sorted.length,
                median / 1_000_000,
                sorted[0] / 1_000_000,
                sorted[sorted.length - 1] / 1_000_000,
                millis(nanos));
    }

    private static String millis(List<Long> nanos) {
        return String.join(
                        ", ",
                        nanos.stream()
                                .map(n -> String.format(Locale.ROOT, "%,d", n / 1_000_000))
                                .toList()) + " ms";
    }

    private static void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, "DaemonBench: " + format + "%n", args);
    }
}
