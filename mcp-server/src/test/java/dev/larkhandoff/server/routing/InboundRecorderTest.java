package dev.larkhandoff.server.routing;

import static dev.larkhandoff.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.emulator.ws.EventAck;
import dev.larkhandoff.lark.ws.InboundEvent;
import dev.larkhandoff.lark.ws.LongConnection;
import dev.larkhandoff.lark.ws.LongConnectionOptions;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.store.inbox.InboxRow;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/** Durable before acknowledged: the emulator as Lark, a real long connection, a real SQLite store. */
class InboundRecorderTest {

    @RegisterExtension
    final TestWorld world = TestWorld.builder().lark().store().build();

    private EmuUser alice;
    private EmuChat chat;
    private final List<String> routed = new CopyOnWriteArrayList<>();
    private LongConnection connection;
    private Disposable subscription;

    @BeforeEach
    void start() {
        alice = world.lark().control().addUser("Alice");
        chat = world.lark().control().createGroup("team", alice);
    }

    @AfterEach
    void stop() {
        if (subscription != null) {
            subscription.dispose();
        }
        if (connection != null) {
            connection.close(Duration.ZERO);
        }
    }

    private void connect(java.util.function.Consumer<InboundEvent> consumer) {
        connection = world.client().longConnection(LongConnectionOptions.defaults());
        subscription =
                connection.events().publishOn(Schedulers.boundedElastic()).subscribe(consumer);
        await(() -> connection.state() == LongConnection.State.CONNECTED, "connected");
    }

    private void connectRecorder() {
        InboundRecorder recorder =
                new InboundRecorder(world.store().inbox(), (row, result) -> routed.add(row.dedupeKey()));
        connect(recorder::accept);
    }

    @Test
    void given_a_stream_of_messages_then_each_is_stored_in_order_before_lark_hears_200() {
        connectRecorder();
        List<String> sent = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            sent.add(world.lark()
                    .control()
                    .sendText(alice, chat.chatId, "m" + i, world.lark().app().botOpenId())
                    .messageId());
        }

        await(() -> world.lark().gateway().acks().size() == 30, "30 acks");

        assertThat(world.lark().gateway().acks()).allMatch(a -> a.code() == 200 && a.attempts() == 1);
        List<InboxRow> rows = world.store().inbox().history(chat.chatId, 100);
        assertThat(rows).extracting(r -> r.event().messageId()).containsExactlyElementsOf(sent);
        assertThat(rows.get(0).event().normalizedText()).isEqualTo("@lark-handoff-bot m0");
        assertThat(rows.get(0).event().senderOpenId()).isEqualTo(alice.openId());
        // Lark is answered first, then the row is routed: the last ack may come a moment before its routing.
        await(() -> routed.size() >= 30, "every row routed");
        assertThat(routed).hasSize(30);
    }

    @Test
    void given_the_store_refuses_a_write_then_lark_gets_500_and_the_redelivery_is_stored_once_it_works() {
        // A real SQLite failure, not a mock: a trigger aborts inserts of this one text.
        world.store()
                .database()
                .write(ctx -> ctx.execute("CREATE TRIGGER refuse BEFORE INSERT ON inbox "
                        + "WHEN NEW.normalized_text = 'poison' BEGIN SELECT RAISE(ABORT, 'disk full'); END"));
        world.lark().control().redeliveryDelay(Duration.ofMillis(500));
        connectRecorder();

        var sent = world.lark().control().sendText(alice, chat.chatId, "poison");
        await(() -> connection.stats().failedAcks() >= 1, "a 500");
        assertThat(world.store().inbox().count()).isZero();
        world.store().database().write(ctx -> ctx.execute("DROP TRIGGER refuse"));

        EventAck ack = sent.awaitAcks(Duration.ofSeconds(15)).get(0);
        assertThat(ack.code()).isEqualTo(200);
        assertThat(ack.attempts()).isGreaterThanOrEqualTo(2);
        assertThat(world.store().inbox().history(chat.chatId, 10))
                .singleElement()
                .satisfies(r -> assertThat(r.event().messageId()).isEqualTo(sent.messageId()));
        await(() -> !routed.isEmpty(), "the stored row routed");
        assertThat(routed).hasSize(1);
    }

    @Test
    void
            given_a_daemon_that_stored_an_event_but_died_before_acking_then_the_redelivery_is_acked_and_not_routed_again() {
        world.lark().control().redeliveryDelay(Duration.ofMillis(200));
        // First life: store, but never answer Lark (the process "dies" before the ack).
        connect(inbound -> world.store().inbox().insertIfAbsent(InboxEvents.from(inbound.event())));
        var sent = world.lark().control().sendText(alice, chat.chatId, "once");
        await(() -> world.store().inbox().count() == 1, "the first store");
        subscription.dispose();
        connection.close(Duration.ZERO);

        connectRecorder();
        EventAck ack = sent.awaitAcks(Duration.ofSeconds(15)).get(0);

        assertThat(ack.code()).isEqualTo(200);
        assertThat(world.store().inbox().count()).isEqualTo(1);
        assertThat(routed)
                .as("already routed in its first life, or pending from there")
                .isEmpty();
    }
}
