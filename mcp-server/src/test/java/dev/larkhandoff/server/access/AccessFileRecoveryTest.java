package dev.larkhandoff.server.access;

import static dev.larkhandoff.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.channel.ChannelOwnership;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.SessionIdentity;
import dev.larkhandoff.server.ipc.DaemonClient;
import dev.larkhandoff.server.routing.InboxRouter;
import dev.larkhandoff.server.session.SessionRegistry;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.inbox.DeliveryState;
import dev.larkhandoff.store.inbox.InboxEvent;
import dev.larkhandoff.store.inbox.InboxRow;
import dev.larkhandoff.store.session.DeliveryMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A broken {@code access.json} while messages arrive, through the real router, the real daemon socket and a real
 * SQLite store: the last good policy holds meanwhile, and what was withheld only because the file was broken is
 * judged again by the real policy once the file is fixed.
 */
class AccessFileRecoveryTest {

    private static final String ALICE = "ou_alice";
    private static final String STRANGER = "ou_stranger";

    @RegisterExtension
    final TestWorld world = TestWorld.builder().store().build();

    private Store store;
    private Path home;
    private ExecutorService replays;
    private InboxRouter router;
    private ChannelAccess access;
    private final List<String> told = new CopyOnWriteArrayList<>();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private DaemonClient dispatcher;
    private int seq;

    @BeforeEach
    void startDaemon() throws Exception {
        store = world.store();
        home = world.home();
        SessionRegistry registry = new SessionRegistry(store.sessions());
        ChannelOwnership ownership = new ChannelOwnership(store.channel(), registry);
        replays = Executors.newSingleThreadExecutor();
        access = new ChannelAccess(
                new AccessFile(home),
                store.chats(),
                store.inbox(),
                Clock.systemUTC(),
                () -> "ou_bot",
                (chat, text) -> told.add(text));
        router = new InboxRouter(store.inbox(), store.bindings(), ownership, registry, access);
        registry.onRegistered(ownership::registered);
        ownership.onTargetChanged(router::replayPending);
        access.onRejudge(() -> replays.execute(router::replayPending));
        world.serveSocket(
                registry, OwnershipTools.of(ownership, id -> null, () -> null), router::acked, router::replayPending);
    }

    @AfterEach
    void stop() throws Exception {
        if (dispatcher != null) {
            dispatcher.close();
        }
        replays.shutdownNow();
    }

    private void connectDispatcher() throws Exception {
        dispatcher = DaemonClient.connect(
                home,
                SessionIdentity.from(
                        Environment.of(Map.of("LARK_HANDOFF_SESSION_ID", "disp", "LARK_HANDOFF_ROLE", "dispatcher")),
                        DeliveryMode.PUSH),
                "0.1.0",
                1,
                (self, d) -> {
                    received.add(d.content());
                    self.ack(d.eventId());
                },
                () -> {},
                Duration.ofSeconds(5));
    }

    private String directMessage(String sender, String text) {
        seq++;
        InboxEvent e = InboxEvent.of("e" + seq, "im.message.receive_v1", "{}")
                .withMessage("om_" + seq, "oc_dm_" + sender, "p2p", sender, "user", "text", text, (long) seq);
        store.inbox().insertIfAbsent(e);
        router.replayPending();
        return e.dedupeKey();
    }

    private InboxRow row(String key) {
        return store.inbox().find(key).orElseThrow();
    }

    private void writeValidPolicy() {
        new AccessFile(home).save(AccessPolicy.defaults().withAllowFrom(List.of(ALICE)));
    }

    private void corrupt() throws Exception {
        Files.writeString(home.resolve("access.json"), "{\"allowFrom\": [\"ou_alice\",");
    }

    @Test
    void given_a_good_policy_when_the_file_is_corrupted_then_an_allowlisted_senders_message_is_delivered_under_it()
            throws Exception {
        writeValidPolicy();
        connectDispatcher();
        directMessage(ALICE, "before");
        await(() -> received.contains("before"), "the first message delivered");

        corrupt();
        String during = directMessage(ALICE, "during");

        await(() -> row(during).state() == DeliveryState.DELIVERED, "delivered under the last good policy");
        assertThat(received).containsExactly("before", "during");
        assertThat(told)
                .as("no pairing code: the policy did not fall back to the defaults")
                .isEmpty();
        assertThat(Files.readString(home.resolve("access.json")))
                .as("the broken file is left for its owner to fix")
                .isEqualTo("{\"allowFrom\": [\"ou_alice\",");
        String stranger = directMessage(STRANGER, "let me in");
        assertThat(row(stranger).state()).isEqualTo(DeliveryState.FILTERED);
        assertThat(Files.readString(home.resolve("access.json")))
                .as("no pairing written over the broken file")
                .isEqualTo("{\"allowFrom\": [\"ou_alice\",");
    }

    @Test
    void given_a_corrupt_file_at_start_then_messages_are_withheld_saying_so_and_judged_again_once_it_is_fixed()
            throws Exception {
        corrupt();
        connectDispatcher();
        String fromAlice = directMessage(ALICE, "hello");
        String fromStranger = directMessage(STRANGER, "let me in");

        assertThat(row(fromAlice).state()).isEqualTo(DeliveryState.FILTERED);
        assertThat(row(fromAlice).filterReason()).startsWith("access.json is invalid: ");
        assertThat(row(fromStranger).filterReason()).startsWith("access.json is invalid: ");
        assertThat(told).as("no pairing while the policy is unknown").isEmpty();

        writeValidPolicy();
        access.recheck();

        await(() -> row(fromAlice).state() == DeliveryState.DELIVERED, "alice's message delivered after the fix");
        assertThat(received).containsExactly("hello");
        await(() -> row(fromStranger).state() == DeliveryState.FILTERED, "the stranger judged by the real policy");
        assertThat(row(fromStranger).filterReason()).startsWith("pairing requested");
        assertThat(told).hasSize(1);
    }

    @Test
    void given_a_corrupt_file_at_start_when_the_next_message_arrives_after_the_fix_then_both_are_delivered()
            throws Exception {
        corrupt();
        connectDispatcher();
        String first = directMessage(ALICE, "first");
        assertThat(row(first).state()).isEqualTo(DeliveryState.FILTERED);

        writeValidPolicy();
        String second = directMessage(ALICE, "second");

        await(
                () -> row(first).state() == DeliveryState.DELIVERED
                        && row(second).state() == DeliveryState.DELIVERED,
                "both delivered");
        assertThat(received).containsExactlyInAnyOrder("first", "second");
    }

    @Test
    void given_a_policy_as_the_file_holds_it_then_the_withheld_reason_names_the_file_and_the_parse_error()
            throws Exception {
        Files.writeString(home.resolve("access.json"), "{\"dmPolicy\": \"sometimes\"}");
        connectDispatcher();

        String key = directMessage(ALICE, "hello");

        assertThat(row(key).filterReason())
                .startsWith("access.json is invalid: ")
                .contains("sometimes");
        assertThat(access.problem())
                .contains(home.resolve("access.json").toString())
                .contains("sometimes");
    }
}
