package dev.larkhandoff.server.ipc;

import static dev.larkhandoff.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.server.channel.ChannelOwnership;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.SessionIdentity;
import dev.larkhandoff.server.session.SessionRegistry;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolSpec;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.session.DeliveryMode;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.json.JsonMapper;

/** Proxies and the daemon over the real Unix socket, with ownership on a real store. */
class DaemonIpcTest {

    @RegisterExtension
    final TestWorld world = TestWorld.builder().store().build();

    private Path home;
    private Store store;
    private DaemonSocket socket;
    private SessionRegistry registry;
    private ChannelOwnership ownership;
    private final CountDownLatch slowToolStarted = new CountDownLatch(1);
    private final CountDownLatch waitStarted = new CountDownLatch(1);
    private final CountDownLatch waitEnded = new CountDownLatch(1);
    private final List<String> hugeSettled = new CopyOnWriteArrayList<>();
    private final ToolResult.Receipt hugeReceipt = new ToolResult.Receipt() {
        @Override
        public void written() {
            hugeSettled.add("written");
        }

        @Override
        public void dropped() {
            hugeSettled.add("dropped");
        }
    };
    private final List<String> acks = new CopyOnWriteArrayList<>();
    private final List<DaemonClient> clients = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startDaemon() throws Exception {
        home = world.home();
        store = world.store();
        registry = new SessionRegistry(store.sessions());
        ownership = new ChannelOwnership(store.channel(), registry);
        registry.onRegistered(ownership::registered);
        ToolCatalog tools = ToolCatalog.builder()
                .addAll(OwnershipTools.of(ownership, id -> null, () -> null))
                .add(new ToolSpec("slow", "sleeps", Map.of("type", "object")), call -> {
                    slowToolStarted.countDown();
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return ToolResult.ok("too late");
                })
                .add(
                        new ToolSpec("huge", "answers more than a frame holds", Map.of("type", "object")),
                        call -> ToolResult.ok("y".repeat(FrameDecoder.DEFAULT_MAX_FRAME + 1))
                                .withReceipt(hugeReceipt))
                .add(new ToolSpec("waits", "waits for a wake that never comes", Map.of("type", "object")), call -> {
                    waitStarted.countDown();
                    try {
                        return new dev.larkhandoff.server.routing.WakeSignal()
                                .await(
                                        Duration.ofSeconds(60),
                                        (d, t, m) -> {},
                                        "nothing",
                                        () -> null,
                                        ToolResult.ok("timed out"));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return ToolResult.error("interrupted");
                    } finally {
                        waitEnded.countDown();
                    }
                })
                .build();
        var hello = JsonMapper.builder()
                .build()
                .createObjectNode()
                .put("version", "0.1.0")
                .put("pid", 4242);
        socket = world.serveSocket(
                registry, tools, hello, (session, event) -> acks.add(session + ":" + event), () -> {});
    }

    @AfterEach
    void stop() {
        clients.forEach(DaemonClient::close);
    }

    private DaemonClient connect(Map<String, String> env) throws Exception {
        DaemonClient c = DaemonClient.connect(
                home,
                SessionIdentity.from(Environment.of(env), DeliveryMode.PUSH),
                "0.1.0",
                999,
                (self, d) -> {},
                () -> {},
                Duration.ofSeconds(5));
        clients.add(c);
        return c;
    }

    private static ToolResult call(DaemonClient c, String tool, Map<String, Object> args) throws Exception {
        return c.callTool(tool, args).get(10, TimeUnit.SECONDS);
    }

    @Test
    void given_a_proxy_when_it_connects_then_it_gets_the_hello_and_the_daemon_records_its_identity_verbatim()
            throws Exception {
        DaemonClient tm = connect(Map.of(
                "LARK_HANDOFF_SESSION_ID",
                "sess-A",
                "CLAUDEMUX_TEAMMATE_NAME",
                "api-worker",
                "CLAUDE_PROJECT_DIR",
                "/ws/api"));

        assertThat(tm.daemonHello().version()).isEqualTo("0.1.0");
        assertThat(tm.daemonHello().pid()).isEqualTo(4242);
        assertThat(store.sessions().find("session:sess-A")).hasValueSatisfying(s -> {
            assertThat(s.connected()).isTrue();
            assertThat(s.pid()).isEqualTo(999L);
            assertThat(s.metadataJson())
                    .contains("\"teammate_name\":\"api-worker\"")
                    .contains("\"cwd\":\"/ws/api\"");
        });
        assertThat(call(tm, OwnershipTools.STATUS, Map.of()).text()).contains("\"teammate_name\": \"api-worker\"");
    }

    @Test
    void given_ownership_tools_then_they_run_in_the_daemon_for_the_calling_session() throws Exception {
        DaemonClient dispatcher = connect(Map.of("LARK_HANDOFF_SESSION_ID", "disp", "LARK_HANDOFF_ROLE", "dispatcher"));
        DaemonClient tm = connect(Map.of("LARK_HANDOFF_SESSION_ID", "tm-1"));

        ToolResult refused = call(tm, OwnershipTools.ACQUIRE, Map.of());
        ToolResult granted = call(dispatcher, OwnershipTools.GRANT, Map.of("session_id", "session:tm-1"));
        ToolResult acquired = call(tm, OwnershipTools.ACQUIRE, Map.of());

        assertThat(refused).isEqualTo(ToolResult.error("channel ownership was not granted by the dispatcher"));
        assertThat(granted.isError()).isFalse();
        assertThat(acquired).isEqualTo(ToolResult.ok("Feishu channel owner is now session:tm-1 (session, epoch 2)."));
        assertThat(call(tm, "nope", Map.of())).isEqualTo(ToolResult.error("Unknown tool: nope"));
        assertThat(tm.tools())
                .extracting(ToolSpec::name)
                .startsWith(
                        OwnershipTools.STATUS,
                        OwnershipTools.GRANT,
                        OwnershipTools.ACQUIRE,
                        OwnershipTools.RETURN,
                        OwnershipTools.RECLAIM);
    }

    @Test
    void given_the_owner_proxy_disconnects_then_it_is_offline_at_once_and_messages_would_wait() throws Exception {
        DaemonClient dispatcher = connect(Map.of("LARK_HANDOFF_SESSION_ID", "disp", "LARK_HANDOFF_ROLE", "dispatcher"));
        DaemonClient tm = connect(Map.of("LARK_HANDOFF_SESSION_ID", "tm-1"));
        call(dispatcher, OwnershipTools.ACQUIRE, Map.of("session_id", "session:tm-1"));

        tm.close();

        await(() -> ownership.effectiveTarget().isEmpty(), "the owner to go offline");
        assertThat(store.sessions().find("session:tm-1"))
                .hasValueSatisfying(s -> assertThat(s.connected()).isFalse());
        assertThat(call(dispatcher, OwnershipTools.RECLAIM, Map.of()).text()).contains("reclaimed");
    }

    @Test
    void given_a_call_in_flight_when_the_daemon_connection_drops_then_it_fails_at_once_and_is_not_replayed()
            throws Exception {
        DaemonClient tm = connect(Map.of("LARK_HANDOFF_SESSION_ID", "tm-1"));
        var pending = tm.callTool("slow", Map.of());
        assertThat(slowToolStarted.await(5, TimeUnit.SECONDS)).isTrue();

        registry.entry("session:tm-1").orElseThrow().connection().close();

        assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("was in flight; it was not retried");
    }

    @Test
    void given_the_same_session_registering_again_then_the_new_connection_replaces_the_old() throws Exception {
        DaemonClient first = connect(Map.of("LARK_HANDOFF_SESSION_ID", "tm-1"));
        DaemonClient second = connect(Map.of("LARK_HANDOFF_SESSION_ID", "tm-1"));

        await(() -> !first.isOpen(), "the old connection to close");
        assertThat(second.isOpen()).isTrue();
        assertThat(registry.live()).hasSize(1);
        assertThat(store.sessions().find("session:tm-1"))
                .hasValueSatisfying(s -> assertThat(s.connected()).isTrue());
        assertThat(call(second, OwnershipTools.STATUS, Map.of()).isError()).isFalse();
    }

    @Test
    void given_an_ack_from_a_registered_session_then_the_daemon_hears_which_session_acknowledged_which_event()
            throws Exception {
        DaemonClient tm = connect(Map.of("LARK_HANDOFF_SESSION_ID", "tm-1"));

        tm.ack("evt_1");

        await(() -> !acks.isEmpty(), "the ack");
        assertThat(acks).containsExactly("session:tm-1:evt_1");
    }

    @Test
    void given_a_result_larger_than_a_frame_then_the_call_answers_an_error_and_hands_back_what_it_held()
            throws Exception {
        DaemonClient c = connect(Map.of("LARK_HANDOFF_SESSION_ID", "big-1"));

        ToolResult r = call(c, "huge", Map.of());

        assertThat(r.isError()).isTrue();
        assertThat(r.text()).contains("too large", "nothing in it was consumed");
        assertThat(hugeSettled).containsExactly("dropped");
        assertThat(call(c, OwnershipTools.STATUS, Map.of()).isError())
                .as("the connection goes on")
                .isFalse();
    }

    @Test
    void given_a_call_its_caller_gave_up_on_then_the_daemon_stops_it() throws Exception {
        DaemonClient c = connect(Map.of("LARK_HANDOFF_SESSION_ID", "quitter-1"));
        var pending = c.callTool("waits", Map.of());
        assertThat(waitStarted.await(5, TimeUnit.SECONDS)).isTrue();

        pending.cancel(true);

        assertThat(waitEnded.await(5, TimeUnit.SECONDS))
                .as("the daemon's wait ended")
                .isTrue();
        await(() -> registry.calls().size() == 0, "no call left running");
    }

    @Test
    void given_a_connection_that_closes_during_a_call_then_the_daemon_stops_the_call() throws Exception {
        DaemonClient c = connect(Map.of("LARK_HANDOFF_SESSION_ID", "vanisher-1"));
        c.callTool("waits", Map.of());
        assertThat(waitStarted.await(5, TimeUnit.SECONDS)).isTrue();

        c.close();

        assertThat(waitEnded.await(5, TimeUnit.SECONDS))
                .as("the daemon's wait ended")
                .isTrue();
        await(() -> registry.calls().size() == 0, "no call left running");
    }

    @Test
    void
            given_more_idle_peers_than_the_cap_each_declaring_an_8_mib_frame_then_a_proxy_still_registers_and_the_heap_stays_bounded()
                    throws Exception {
        long before = usedHeapAfterGc();
        List<SocketChannel> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 800; i++) { // the load that exhausted the heap before the cap
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(socket.path()));
                ch.write(ByteBuffer.allocate(4 + 10)
                        .putInt(FrameDecoder.DEFAULT_MAX_FRAME)
                        .put(new byte[10])
                        .flip());
                idle.add(ch);
            }
            Thread.sleep(1000);

            DaemonClient proxy = connect(Map.of("LARK_HANDOFF_SESSION_ID", "after-the-flood"));
            ToolResult status;
            try (DaemonClient probe = DaemonClient.probe(home, Duration.ofSeconds(5))) {
                status = call(probe, OwnershipTools.STATUS, Map.of());
            }
            long grown = usedHeapAfterGc() - before;

            assertThat(call(proxy, OwnershipTools.STATUS, Map.of()).text()).contains("session:after-the-flood");
            assertThat(status.isError()).isFalse();
            assertThat(grown).as("heap grown by %d MiB", grown >> 20).isLessThan(256L << 20);
        } finally {
            for (SocketChannel ch : idle) {
                ch.close();
            }
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
