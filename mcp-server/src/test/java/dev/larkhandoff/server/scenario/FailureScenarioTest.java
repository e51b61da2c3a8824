package dev.larkhandoff.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.world.AgentSession;
import dev.larkhandoff.server.world.ChildJvm;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.testing.Eventually;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * What must survive crashes: concurrent starts, a daemon killed with SIGKILL mid-stream, an owner's proxy killed
 * with SIGKILL, and Lark dropping the long connection again and again. Real processes, real sockets, the emulator
 * as Lark; every message checked for loss, duplication and order.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class FailureScenarioTest {

    @RegisterExtension
    final TestWorld world = Scenarios.world();

    @Test
    void ten_proxies_started_at_the_same_instant_yield_one_daemon_and_none_fails() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(10);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<AgentSession>> starts = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String id = "tm-" + i;
            starts.add(CompletableFuture.supplyAsync(
                    () -> {
                        await(go);
                        return world.teammate(id, "worker-" + id);
                    },
                    pool));
        }
        go.countDown();
        List<AgentSession> sessions = new ArrayList<>();
        for (var f : starts) {
            sessions.add(f.get(180, TimeUnit.SECONDS));
        }
        pool.shutdown();

        JsonNode status = status(sessions.get(0));
        assertThat(world.daemons()).hasSize(1);
        assertThat(status.path("sessions")).hasSize(10);
        assertThat(sessions)
                .allSatisfy(
                        s -> assertThat(s.call(OwnershipTools.STATUS, Map.of()).isError())
                                .isFalse());
    }

    @Test
    void kill_9_of_the_daemon_during_a_stream_of_1000_events_loses_and_repeats_nothing() throws Exception {
        AgentSession owner = world.dispatcher("dispatcher-1");
        long firstDaemon = daemonPid(owner);
        List<String> sent = stream(1000, Duration.ofMillis(2));
        List<String> received = new ArrayList<>();

        AtomicBoolean killed = new AtomicBoolean();
        receiveAll(owner, received, 1000, () -> {
            if (received.size() == 300 && killed.compareAndSet(false, true)) {
                ProcessHandle.of(firstDaemon).ifPresent(ProcessHandle::destroyForcibly);
            }
        });

        assertThat(killed).isTrue();
        assertThat(daemonPid(owner)).as("a new daemon took over").isNotEqualTo(firstDaemon);
        assertThat(received).as("every event exactly once, in order").containsExactlyElementsOf(sent);
        assertThat(owner.nextEvent(Duration.ofSeconds(1))).isNull();
    }

    @Test
    @Timeout(value = 420, unit = TimeUnit.SECONDS)
    void
            given_three_relays_when_the_daemon_is_killed_20_times_during_2000_events_then_each_relay_sees_its_own_once_in_order()
                    throws Exception {
        AgentSession owner = world.dispatcher("dispatcher-1");
        List<AgentSession> teammates = List.of(world.teammate("tm-1", "api"), world.teammate("tm-2", "web"));
        long firstDaemon = daemonPid(owner);
        List<Long> killed = new java.util.concurrent.CopyOnWriteArrayList<>();
        // 2,000 events in 21 parts: part k+1 is sent once the daemon was killed k+1 times, so that every kill falls
        // inside the stream however long a daemon takes to come back on a busy machine.
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            sent.add(String.format("event %04d", i));
        }
        Thread alice = new Thread(
                () -> {
                    for (int i = 0; i < sent.size(); i++) {
                        int part = i * 21 / sent.size();
                        while (killed.size() < part) {
                            sleepQuietly(10);
                        }
                        world.operatorSays(sent.get(i));
                        sleepQuietly(2);
                    }
                },
                "alice");
        alice.start();
        List<String> received = new ArrayList<>();
        AtomicBoolean streaming = new AtomicBoolean(true);
        List<Throwable> killerFailed = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread killer = new Thread(
                () -> {
                    try {
                        long daemon = firstDaemon;
                        while (killed.size() < 20 && streaming.get()) {
                            long pid = daemon;
                            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                            killed.add(pid);
                            daemon = daemonPid(owner);
                            while (daemon == pid) {
                                daemon = daemonPid(owner);
                            }
                            // Every relay back on the new daemon before the next kill: a daemon killed while a relay
                            // still waits for its greeting counts, for that relay, as a start that failed.
                            for (AgentSession tm : teammates) {
                                Eventually.await(
                                        () -> !tm.call(OwnershipTools.STATUS, Map.of())
                                                .isError(),
                                        tm.sessionId + " back on the new daemon",
                                        Duration.ofSeconds(60));
                            }
                            sleepQuietly(300 + (long) (Math.random() * 700));
                        }
                    } catch (Throwable t) {
                        killerFailed.add(t);
                    }
                },
                "killer");
        // The teammates call a tool over and over: each call answers (a result, or at once an error saying the
        // daemon went away), never hangs, and no channel event reaches them.
        List<String> teammateFailures = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> callers = new ArrayList<>();
        for (AgentSession tm : teammates) {
            Thread t = new Thread(
                    () -> {
                        while (streaming.get()) {
                            AgentSession.Answer a = tm.call(OwnershipTools.STATUS, Map.of());
                            if (a.isError() && !a.text().contains("daemon")) {
                                teammateFailures.add(a.text());
                            }
                            sleepQuietly(50);
                        }
                    },
                    "caller-" + tm.sessionId);
            t.start();
            callers.add(t);
        }
        killer.start();

        receiveAll(owner, received, sent.size(), () -> {});
        streaming.set(false);
        killer.join(60_000);
        for (Thread t : callers) {
            t.join(60_000);
        }

        assertThat(killed)
                .as("daemons killed with SIGKILL during the stream")
                .hasSize(20)
                .doesNotHaveDuplicates();
        assertThat(received).as("every event exactly once, in order").containsExactlyElementsOf(sent);
        assertThat(owner.nextEvent(Duration.ofSeconds(1))).isNull();
        assertThat(teammateFailures)
                .as("errors other than the daemon going away")
                .isEmpty();
        for (AgentSession tm : teammates) {
            assertThat(tm.drainEvents())
                    .as("channel events reaching %s", tm.sessionId)
                    .isEmpty();
            assertThat(tm.call(OwnershipTools.STATUS, Map.of()).isError())
                    .as("%s is back on the last daemon", tm.sessionId)
                    .isFalse();
        }
        assertThat(status(owner).path("sessions"))
                .as("the three sessions, registered again")
                .hasSize(3);
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void kill_9_of_the_owners_proxy_leaves_messages_pending_until_the_dispatcher_reclaims() throws Exception {
        AgentSession dispatcher = world.dispatcher("dispatcher-1");
        AgentSession tm = world.teammate("tm-1", "api-worker");
        dispatcher.call(OwnershipTools.ACQUIRE, Map.of("session_id", "session:tm-1"));
        long tmPid = sessionPid(dispatcher, "session:tm-1");

        ProcessHandle.of(tmPid).ifPresent(ProcessHandle::destroyForcibly);
        Eventually.await(() -> status(dispatcher).path("sessions").size() == 1, "the killed proxy to be offline");
        List<String> sent = stream(20, Duration.ZERO);
        Eventually.await(() -> status(dispatcher).path("daemon").path("pending").asInt() == 20, "20 pending");
        assertThat(dispatcher.drainEvents()).isEmpty();
        JsonNode gone = status(dispatcher).path("offline_sessions").get(0);
        assertThat(gone.path("sessionId").asString()).isEqualTo("session:tm-1");
        assertThat(gone.path("connected").asBoolean(true)).isFalse();
        assertThat(gone.path("pending").asInt()).isEqualTo(20);

        dispatcher.call(OwnershipTools.RECLAIM, Map.of());
        List<String> received = new ArrayList<>();
        receiveAll(dispatcher, received, 20, () -> {});

        assertThat(received).containsExactlyElementsOf(sent);
        // The relay acknowledges each after writing it, off its reading thread: the last acks land a moment later.
        Eventually.await(() -> status(dispatcher).path("daemon").path("pending").asInt() == 0, "nothing pending");
    }

    @Test
    void lark_dropping_the_long_connection_every_two_seconds_during_a_stream_loses_and_repeats_nothing()
            throws Exception {
        AgentSession owner = world.dispatcher("dispatcher-1");
        AtomicBoolean streaming = new AtomicBoolean(true);
        Thread dropper = new Thread(() -> {
            while (streaming.get()) {
                try {
                    Thread.sleep(2_000);
                } catch (InterruptedException e) {
                    return;
                }
                world.lark().control().dropConnections();
            }
        });
        dropper.start();
        List<String> sent = stream(600, Duration.ofMillis(15));
        List<String> received = new ArrayList<>();
        try {
            receiveAll(owner, received, 600, () -> {});
        } finally {
            streaming.set(false);
            dropper.interrupt();
        }

        assertThat(world.lark().gateway().connectionsOpened())
                .as("the connection was dropped and reopened")
                .isGreaterThan(2);
        assertThat(received).containsExactlyElementsOf(sent);
        assertThat(owner.nextEvent(Duration.ofSeconds(1))).isNull();
    }

    @Test
    void sigterm_closes_the_lark_connection_cleanly_and_the_next_daemon_delivers_the_rest_exactly_once()
            throws Exception {
        AgentSession owner = world.dispatcher("dispatcher-1");
        long firstDaemon = daemonPid(owner);
        List<String> sent = stream(300, Duration.ofMillis(5));
        List<String> received = new ArrayList<>();
        AtomicBoolean stopped = new AtomicBoolean();

        receiveAll(owner, received, 300, () -> {
            if (received.size() == 100 && stopped.compareAndSet(false, true)) {
                ProcessHandle.of(firstDaemon).ifPresent(ProcessHandle::destroy);
                ProcessHandle.of(firstDaemon).ifPresent(p -> p.onExit().join());
                assertThat(world.lark().gateway().lastCloseStatus())
                        .as("a clean WebSocket close")
                        .isEqualTo(1000);
            }
        });

        assertThat(stopped).isTrue();
        assertThat(received).containsExactlyElementsOf(sent);
    }

    @Test
    void a_newer_proxy_replaces_an_older_daemon_and_two_lark_connections_never_overlap() throws Exception {
        Process old = new ProcessBuilder(
                        ChildJvm.command("daemon", "--home", world.home().toString(), "--advertise-version", "0.0.1"))
                .redirectErrorStream(true)
                .redirectOutput(world.home().resolve("old-daemon.out").toFile())
                .start();
        Eventually.await(
                () -> world.lark().gateway().liveConnections(world.lark().app().appId()) == 1,
                "the old daemon's Lark connection",
                Duration.ofSeconds(60));
        AtomicBoolean watching = new AtomicBoolean(true);
        int[] most = new int[1];
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                most[0] = Math.max(
                        most[0],
                        world.lark()
                                .gateway()
                                .liveConnections(world.lark().app().appId()));
                Thread.onSpinWait();
            }
        });
        watcher.start();

        AgentSession session = world.dispatcher("dispatcher-1");
        JsonNode daemon = status(session).path("daemon");
        Eventually.await(
                () -> world.lark().gateway().liveConnections(world.lark().app().appId()) == 1,
                "the new daemon's Lark connection");
        watching.set(false);
        watcher.join();

        assertThat(old.waitFor(30, TimeUnit.SECONDS))
                .as("the old daemon exited")
                .isTrue();
        assertThat(daemon.path("version").asString()).isNotEqualTo("0.0.1");
        assertThat(daemon.path("pid").asLong()).isNotEqualTo(old.pid());
        assertThat(most[0]).as("never two Lark connections at once").isEqualTo(1);
        world.operatorSays("to the new daemon");
        assertThat(session.nextEvent(Duration.ofSeconds(20)))
                .extracting(e -> e.get("content"))
                .isEqualTo("to the new daemon");
    }

    /** Alice sends {@code n} numbered messages from a background thread, {@code gap} apart. */
    private List<String> stream(int n, Duration gap) throws InterruptedException {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            texts.add(String.format("event %04d", i));
        }
        Thread sender = new Thread(
                () -> {
                    for (String t : texts) {
                        world.operatorSays(t);
                        if (!gap.isZero()) {
                            try {
                                Thread.sleep(gap.toMillis());
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    }
                },
                "alice");
        sender.start();
        if (gap.isZero()) {
            sender.join();
        }
        return texts;
    }

    /** Collects channel events until {@code n} arrived or nothing came for 60 s; runs {@code each} after each. */
    private static void receiveAll(AgentSession session, List<String> into, int n, Runnable each)
            throws InterruptedException {
        while (into.size() < n) {
            Map<String, Object> event = session.nextEvent(Duration.ofSeconds(60));
            if (event == null) {
                break;
            }
            into.add(String.valueOf(event.get("content")));
            each.run();
        }
    }

    private static JsonNode status(AgentSession s) {
        return ServerJson.mapper()
                .readTree(s.call(OwnershipTools.STATUS, Map.of()).text());
    }

    private static long daemonPid(AgentSession s) {
        long[] pid = new long[1];
        Eventually.await(
                () -> {
                    try {
                        pid[0] = status(s).path("daemon").path("pid").asLong();
                        return pid[0] > 0;
                    } catch (RuntimeException e) {
                        return false;
                    }
                },
                "the daemon to answer",
                Duration.ofSeconds(60));
        return pid[0];
    }

    private static long sessionPid(AgentSession s, String sessionId) {
        for (JsonNode entry : status(s).path("sessions")) {
            if (sessionId.equals(entry.path("sessionId").asString())) {
                return entry.path("pid").asLong();
            }
        }
        throw new AssertionError("no session " + sessionId);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
