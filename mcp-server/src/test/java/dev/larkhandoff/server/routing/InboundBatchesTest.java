package dev.larkhandoff.server.routing;

import static dev.larkhandoff.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.control.EmulatorControl.Sent;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.emulator.ws.EventAck;
import dev.larkhandoff.lark.event.CardResponse;
import dev.larkhandoff.lark.ws.LongConnection;
import dev.larkhandoff.lark.ws.LongConnectionOptions;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.store.inbox.InboxRow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Events that arrive together are stored together: one commit for what waits when the inbound thread gets to it,
 * each event acknowledged only after that commit, and 500 for each when it fails. The emulator as Lark, a real long
 * connection, a real SQLite store.
 */
class InboundBatchesTest {

    @RegisterExtension
    final TestWorld world = TestWorld.builder().lark().store().build();

    private EmuUser alice;
    private EmuChat chat;
    private final List<String> routed = new CopyOnWriteArrayList<>();
    private final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    private final AtomicInteger commits = new AtomicInteger();
    private final AtomicInteger clicksStored = new AtomicInteger();
    private final ExecutorService inboundThread = Executors.newSingleThreadExecutor();
    private final CountDownLatch busy = new CountDownLatch(1);
    private LongConnection connection;
    private InboundBatches batches;

    @BeforeEach
    void connect() {
        alice = world.lark().control().addUser("Alice");
        chat = world.lark().control().createGroup("team", alice);
        InboundRecorder recorder = new InboundRecorder(
                world.store().inbox(),
                (row, result) -> routed.add(row.dedupeKey()),
                UnaryOperator.identity(),
                action -> new InboundRecorder.CardCallbacks.Accept(
                        CardResponse.toast("info", "noted"), () -> clicksStored.incrementAndGet()),
                commits::incrementAndGet);
        batches = new InboundBatches(
                batch -> {
                    batchSizes.add(batch.size());
                    recorder.acceptAll(batch);
                },
                inboundThread);
        connection = world.client().longConnection(LongConnectionOptions.defaults());
        connection.events().subscribeWith(batches);
        await(() -> connection.state() == LongConnection.State.CONNECTED, "connected");
    }

    @AfterEach
    void stop() {
        busy.countDown();
        batches.dispose();
        connection.close(Duration.ZERO);
        inboundThread.shutdownNow();
    }

    /** The inbound thread is held up (as by a slow commit) until {@link #busy} counts down. */
    private void inboundThreadBusy() {
        inboundThread.execute(() -> {
            try {
                busy.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private Sent send(String text) {
        return world.lark()
                .control()
                .sendText(alice, chat.chatId, text, world.lark().app().botOpenId());
    }

    @Test
    void
            given_a_burst_of_100_waiting_for_the_inbound_thread_then_it_is_stored_in_batches_of_at_most_64_each_event_once_and_acked_after_its_commit() {
        inboundThreadBusy();
        List<String> sent = new ArrayList<>();
        Map<String, Boolean> storedWhenAcked = new ConcurrentHashMap<>();
        for (int i = 0; i < 100; i++) {
            Sent s = send("m" + i);
            String messageId = s.messageId();
            sent.add(messageId);
            // Runs on the emulator's thread the moment Lark hears 200: the row must be committed by then.
            s.deliveries()
                    .get(0)
                    .thenAccept(ack -> storedWhenAcked.put(
                            messageId,
                            world.store().inbox().chatOfMessage(messageId).isPresent()));
        }
        await(() -> batches.waiting() == 100, "the burst waiting for the inbound thread");

        busy.countDown();
        await(() -> world.lark().gateway().acks().size() == 100, "100 acks");

        assertThat(batchSizes).containsExactly(64, 36);
        await(() -> commits.get() >= 2, "both commits told"); // told after the acks
        assertThat(commits).as("routing and the team told once per commit").hasValue(2);
        assertThat(world.lark().gateway().acks()).allMatch(a -> a.code() == 200 && a.attempts() == 1);
        assertThat(storedWhenAcked)
                .hasSize(100)
                .allSatisfy((id, stored) ->
                        assertThat(stored).as("%s stored before its ack", id).isTrue());
        List<InboxRow> rows = world.store().inbox().history(chat.chatId, 200);
        assertThat(rows).extracting(r -> r.event().messageId()).containsExactlyElementsOf(sent);
        await(() -> routed.size() >= 100, "every row routed");
        assertThat(routed).hasSize(100).doesNotHaveDuplicates();
    }

    @Test
    void given_a_lone_event_then_it_is_stored_at_once_without_waiting_for_company() {
        Sent s = send("alone");

        EventAck ack = s.awaitAcks(Duration.ofSeconds(15)).get(0);

        assertThat(ack.code()).isEqualTo(200);
        assertThat(batchSizes).containsExactly(1);
        assertThat(world.store().inbox().chatOfMessage(s.messageId())).contains(chat.chatId);
    }

    @Test
    void given_the_commit_of_a_batch_fails_then_each_of_its_events_gets_500_and_after_recovery_each_is_stored_once() {
        // A real SQLite failure, not a mock: a trigger aborts every insert into the inbox, so the batch's commit fails.
        world.store()
                .database()
                .write(ctx -> ctx.execute(
                        "CREATE TRIGGER refuse BEFORE INSERT ON inbox BEGIN SELECT RAISE(ABORT, 'disk full'); END"));
        world.lark().control().redeliveryDelay(Duration.ofMillis(500));
        inboundThreadBusy();
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sent.add(send("m" + i));
        }
        await(() -> batches.waiting() == 10, "ten events waiting for the inbound thread");

        busy.countDown();
        await(() -> connection.stats().failedAcks() >= 10, "a 500 for each");

        assertThat(batchSizes.get(0)).as("the ten in one commit").isEqualTo(10);
        assertThat(world.store().inbox().count()).isZero();
        assertThat(sent).allSatisfy(s -> assertThat(s.deliveries().get(0)).isNotDone());

        world.store().database().write(ctx -> ctx.execute("DROP TRIGGER refuse"));
        List<EventAck> acks = new ArrayList<>();
        sent.forEach(s -> acks.addAll(s.awaitAcks(Duration.ofSeconds(30))));

        assertThat(acks).allSatisfy(a -> {
            assertThat(a.code()).isEqualTo(200);
            assertThat(a.attempts()).as("pushed again after the 500").isGreaterThanOrEqualTo(2);
        });
        assertThat(world.store().inbox().history(chat.chatId, 100))
                .extracting(r -> r.event().messageId())
                .containsExactlyInAnyOrderElementsOf(
                        sent.stream().map(Sent::messageId).toList());
        await(() -> routed.size() >= 10, "every row routed");
        assertThat(routed).hasSize(10);
        assertThat(commits.get()).as("nothing told of the failed commit").isLessThanOrEqualTo(10);
    }

    @Test
    void
            given_a_card_click_among_waiting_messages_then_it_is_stored_on_its_own_in_its_place_and_answered_with_its_toast()
                    throws Exception {
        String card = world.lark()
                .control()
                .sendInteractive(alice, chat.chatId, EmuJson.object())
                .messageId();
        await(() -> world.store().inbox().count() == 1, "the card stored");
        int commitsBefore = commits.get();
        inboundThreadBusy();

        Sent before = send("before the click");
        CompletableFuture<EmulatorControl.CardCallback> click =
                CompletableFuture.supplyAsync(() -> world.lark().control().selectOption(alice, card, "yes"));
        await(() -> batches.waiting() == 2, "the message and the click waiting");
        Sent after = send("after the click");
        await(() -> batches.waiting() == 3, "three waiting");
        busy.countDown();

        assertThat(click.get(15, TimeUnit.SECONDS).toast()).isEqualTo("noted");
        after.awaitAcks(Duration.ofSeconds(15));
        assertThat(world.store().inbox().history(chat.chatId, 10))
                .extracting(r -> r.event().eventType())
                .containsExactly(
                        "im.message.receive_v1",
                        "im.message.receive_v1",
                        "card.action.trigger",
                        "im.message.receive_v1");
        assertThat(world.store().inbox().history(chat.chatId, 10).get(1).event().messageId())
                .isEqualTo(before.messageId());
        assertThat(batchSizes.get(batchSizes.size() - 1)).as("one drain").isEqualTo(3);
        // A commit is counted once its events were acknowledged and routed, a moment after Lark heard the last ack.
        await(() -> commits.get() - commitsBefore >= 3, "the three commits counted");
        assertThat(commits.get() - commitsBefore)
                .as("message, click, message: each in its own commit")
                .isEqualTo(3);
        assertThat(clicksStored).hasValue(1);
    }
}
