package dev.larkhandoff.server.routing;

import static dev.larkhandoff.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.channel.ChannelOwnership;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.SessionIdentity;
import dev.larkhandoff.server.ipc.DaemonClient;
import dev.larkhandoff.server.session.Delivery;
import dev.larkhandoff.server.session.SessionRegistry;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.inbox.DeliveryState;
import dev.larkhandoff.store.inbox.InboxEvent;
import dev.larkhandoff.store.session.DeliveryMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Routing through the real daemon socket: ownership, handoff bindings, the access verdict, acks, replays. */
class InboxRouterTest {

    @RegisterExtension
    final TestWorld world = TestWorld.builder().store().build();

    private Store store;
    private Path home;
    private SessionRegistry registry;
    private ChannelOwnership ownership;
    private InboxRouter router;
    private volatile String blockedSender = "";
    private int seq;

    @BeforeEach
    void startDaemon() throws Exception {
        store = world.store();
        home = world.home();
        registry = new SessionRegistry(store.sessions());
        ownership = new ChannelOwnership(store.channel(), registry);
        router = new InboxRouter(
                store.inbox(),
                store.bindings(),
                ownership,
                registry,
                e -> blockedSender.equals(e.senderOpenId())
                        ? new InboxRouter.Verdict.Withhold("sender not on allowlist")
                        : new InboxRouter.Verdict.Deliver("owner"));
        registry.onRegistered(ownership::registered);
        ownership.onTargetChanged(router::replayPending);
        world.serveSocket(
                registry, OwnershipTools.of(ownership, id -> null, () -> null), router::acked, router::replayPending);
    }

    /** A connected proxy that records deliveries and (optionally) acknowledges them. */
    private final class Proxy {
        final List<Delivery> received = new CopyOnWriteArrayList<>();
        final DaemonClient client;

        Proxy(String id, boolean dispatcher, boolean ack) throws Exception {
            var env = dispatcher
                    ? Map.of("LARK_HANDOFF_SESSION_ID", id, "LARK_HANDOFF_ROLE", "dispatcher")
                    : Map.of("LARK_HANDOFF_SESSION_ID", id);
            client = DaemonClient.connect(
                    home,
                    SessionIdentity.from(Environment.of(env), DeliveryMode.PUSH),
                    "0.1.0",
                    1,
                    (self, d) -> {
                        received.add(d);
                        if (ack) {
                            self.ack(d.eventId());
                        }
                    },
                    () -> {},
                    Duration.ofSeconds(5));
        }

        List<String> texts() {
            return received.stream().map(Delivery::content).toList();
        }
    }

    private InboxEvent store(String chat, String sender, String text) {
        seq++;
        InboxEvent e = InboxEvent.of("e" + seq, "im.message.receive_v1", "{}")
                .withMessage("om_" + seq, chat, "group", sender, "user", "text", text, (long) seq);
        store.inbox().insertIfAbsent(e);
        router.replayPending();
        return e;
    }

    @Test
    void given_the_dispatcher_owns_the_channel_then_messages_reach_it_in_order_and_are_delivered_on_ack()
            throws Exception {
        Proxy dispatcher = new Proxy("disp", true, true);
        for (int i = 0; i < 5; i++) {
            store("oc_a", "ou_alice", "m" + i);
        }

        await(() -> store.inbox().pending().isEmpty(), "all delivered");
        assertThat(dispatcher.texts()).containsExactly("m0", "m1", "m2", "m3", "m4");
        Delivery first = dispatcher.received.get(0);
        assertThat(first.meta().get("chat_id")).isEqualTo("oc_a");
        assertThat(first.meta().get("sender_id")).isEqualTo("ou_alice");
        assertThat(first.meta().get("kind")).isEqualTo("message");
        assertThat(first.meta().get("privilege")).isEqualTo("owner");
        assertThat(store.inbox().history("oc_a", 10)).allSatisfy(r -> {
            assertThat(r.state()).isEqualTo(DeliveryState.DELIVERED);
            assertThat(r.deliveredToSession()).isEqualTo("session:disp");
        });
    }

    @Test
    void given_acks_racing_with_replays_then_no_event_is_sent_twice() throws Exception {
        Proxy dispatcher = new Proxy("disp", true, true);
        Thread replayer = new Thread(() -> {
            for (int i = 0; i < 400; i++) {
                router.replayPending();
            }
        });
        replayer.start();
        for (int i = 0; i < 200; i++) {
            store("oc_a", "ou_alice", "r" + i);
        }
        replayer.join();

        await(() -> store.inbox().pending().isEmpty(), "all delivered");
        assertThat(dispatcher.texts()).hasSize(200).doesNotHaveDuplicates();
        assertThat(dispatcher.texts())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 200)
                        .mapToObj(i -> "r" + i)
                        .toList());
    }

    @Test
    void given_the_owner_offline_then_messages_wait_none_lost_and_reclaim_delivers_the_backlog_in_order()
            throws Exception {
        Proxy dispatcher = new Proxy("disp", true, true);
        Proxy tm = new Proxy("tm-1", false, true);
        dispatcher
                .client
                .callTool(OwnershipTools.ACQUIRE, Map.of("session_id", "session:tm-1"))
                .get(5, TimeUnit.SECONDS);
        tm.client.close();
        await(() -> ownership.effectiveTarget().isEmpty(), "owner offline");

        for (int i = 0; i < 20; i++) {
            store("oc_a", "ou_alice", "backlog " + i);
        }
        assertThat(store.inbox().pending()).hasSize(20);
        assertThat(dispatcher.received).as("no fallback to the dispatcher").isEmpty();

        dispatcher.client.callTool(OwnershipTools.RECLAIM, Map.of()).get(5, TimeUnit.SECONDS);

        await(() -> store.inbox().pending().isEmpty(), "the backlog delivered");
        assertThat(dispatcher.texts())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20)
                        .mapToObj(i -> "backlog " + i)
                        .toList());
    }

    @Test
    void given_a_handoff_binding_then_that_chat_waits_for_its_sessions_loop_whoever_owns_the_channel()
            throws Exception {
        Proxy dispatcher = new Proxy("disp", true, true);
        Proxy bound = new Proxy("tm-2", false, true);
        store.bindings().claim(Binding.of("oc_handoff", "session:tm-2"));

        store("oc_handoff", "ou_op", "for the bound session");
        store("oc_other", "ou_op", "for the owner");

        await(() -> store.inbox().pending().size() == 1, "the owner's message delivered");
        assertThat(dispatcher.texts()).containsExactly("for the owner");
        assertThat(bound.texts())
                .as("a handoff chat is never pushed: its session waits for it")
                .isEmpty();
        assertThat(store.inbox().pendingFor("session:tm-2"))
                .singleElement()
                .satisfies(r -> assertThat(r.event().normalizedText()).isEqualTo("for the bound session"));
    }

    @Test
    void given_a_sender_the_access_rules_refuse_then_the_message_is_kept_never_delivered() throws Exception {
        Proxy dispatcher = new Proxy("disp", true, true);
        blockedSender = "ou_stranger";

        store("oc_a", "ou_stranger", "let me in");
        store("oc_a", "ou_alice", "hello");

        await(() -> store.inbox().pending().isEmpty(), "settled");
        assertThat(dispatcher.texts()).containsExactly("hello");
        assertThat(store.inbox().history("oc_a", 10).get(0)).satisfies(r -> {
            assertThat(r.state()).isEqualTo(DeliveryState.FILTERED);
            assertThat(r.filterReason()).isEqualTo("sender not on allowlist");
        });
    }

    @Test
    void
            given_deliveries_not_acknowledged_then_replays_do_not_resend_them_on_the_same_connection_but_a_new_one_gets_them()
                    throws Exception {
        Proxy silent = new Proxy("disp", true, false);
        store("oc_a", "ou_alice", "unacked");
        await(() -> silent.received.size() == 1, "the first send");

        router.replayPending();
        router.replayPending();
        Thread.sleep(200);
        assertThat(silent.received).as("no duplicate on the wire").hasSize(1);

        silent.client.close();
        Proxy again = new Proxy("disp", true, true);
        await(() -> store.inbox().pending().isEmpty(), "delivered after reconnect");
        assertThat(again.texts()).containsExactly("unacked");
    }
}
