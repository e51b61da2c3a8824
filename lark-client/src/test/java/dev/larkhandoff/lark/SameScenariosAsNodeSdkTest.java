package dev.larkhandoff.lark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.EmulatorOptions;
import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.control.EmulatorControl.CardCallback;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.emulator.openapi.OpenApiServer.CallRecord;
import dev.larkhandoff.emulator.ws.DeliveryPlan;
import dev.larkhandoff.emulator.ws.EventAck;
import dev.larkhandoff.lark.event.CardAction;
import dev.larkhandoff.lark.event.CardResponse;
import dev.larkhandoff.lark.event.MessageContent;
import dev.larkhandoff.lark.event.MessageReceived;
import dev.larkhandoff.lark.im.Message;
import dev.larkhandoff.lark.im.OutgoingMessage;
import dev.larkhandoff.lark.im.ResourceApi;
import dev.larkhandoff.lark.ws.InboundEvent;
import dev.larkhandoff.lark.ws.LongConnection;
import dev.larkhandoff.lark.ws.LongConnectionOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * The four scenarios NodeSdkFidelityTest runs with Lark's official Node SDK, run with this client against the
 * same emulator: if both pass, the client and the official SDK agree on the wire.
 */
class SameScenariosAsNodeSdkTest {

    private static final byte[] PNG = Base64.getDecoder()
            .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    @TempDir
    Path dir;

    private LarkEmulator emulator;
    private LarkClient client;
    private LongConnection connection;
    private Disposable subscription;
    private final BlockingQueue<InboundEvent> events = new LinkedBlockingQueue<>();
    private EmuUser alice;
    private EmuChat group;

    private void start(EmulatorOptions options) {
        emulator = LarkEmulator.start(options);
        client = LarkClient.create(LarkClientConfig.of(
                emulator.baseUrl(), emulator.app().appId(), emulator.app().appSecret()));
        alice = emulator.control().addUser("Alice");
        group = emulator.control().createGroup("fidelity", alice);
        connection = new LongConnection(client.http(), LongConnectionOptions.defaults());
        subscription = connection.events().subscribe(events::add);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (connection.state() != LongConnection.State.CONNECTED && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(connection.state()).isEqualTo(LongConnection.State.CONNECTED);
    }

    @AfterEach
    void stop() {
        if (subscription != null) {
            subscription.dispose();
            connection.close(Duration.ZERO);
            client.close();
            emulator.close();
        }
    }

    private InboundEvent next() throws InterruptedException {
        InboundEvent e = events.poll(15, TimeUnit.SECONDS);
        assertThat(e).as("an event").isNotNull();
        return e;
    }

    @Test
    void given_an_event_split_into_fragments_delivered_out_of_order_then_our_client_sees_the_text_and_lark_one_200_ack()
            throws Exception {
        start(EmulatorOptions.defaults());
        String text = "分片 fragments — " + "€".repeat(200) + " end";
        emulator.control().planNext(DeliveryPlan.fragmented(3, true));
        var sent = emulator.control().sendText(alice, group.chatId, text);

        InboundEvent inbound = next();
        inbound.ack();

        assertThat(((MessageContent.Text)
                                ((MessageReceived) inbound.event()).message().content())
                        .text())
                .isEqualTo(text);
        EventAck ack = sent.awaitAcks(Duration.ofSeconds(10)).get(0);
        assertThat(ack.code()).isEqualTo(200);
        assertThat(ack.attempts()).isEqualTo(1);
        assertThat(emulator.gateway().unacknowledged()).isZero();
    }

    @Test
    void
            given_a_card_sent_by_our_client_when_a_person_clicks_approve_then_our_toast_and_card_come_back_through_the_ack()
                    throws Exception {
        start(EmulatorOptions.defaults());
        var card = LarkJson.object().put("schema", "2.0");
        var button = card.putObject("body").putArray("elements").addObject();
        button.put("tag", "button");
        button.putObject("text").put("tag", "plain_text").put("content", "Approve");
        button.putArray("behaviors")
                .addObject()
                .put("type", "callback")
                .putObject("value")
                .put("action", "approve");
        Message sent = client.messages()
                .sendToChat(group.chatId, OutgoingMessage.interactive(card))
                .block();

        CompletableFuture<CardCallback> click =
                CompletableFuture.supplyAsync(() -> emulator.control().clickButton(alice, sent.messageId(), "Approve"));
        InboundEvent inbound = next();
        CardAction action = (CardAction) inbound.event();
        var replaced = LarkJson.object().put("schema", "2.0");
        replaced.putObject("header").putObject("title").put("tag", "plain_text").put("content", "Approved");
        inbound.respond(CardResponse.toast("success", "Got it").withCard(replaced));
        CardCallback callback = click.get(15, TimeUnit.SECONDS);

        assertThat(action.action().value().path("action").asString()).isEqualTo("approve");
        assertThat(action.operator().openId()).isEqualTo(alice.openId());
        assertThat(callback.toast()).isEqualTo("Got it");
        assertThat(callback.response().path("toast").path("type").asString()).isEqualTo("success");
        assertThat(callback.response().path("card").path("type").asString()).isEqualTo("raw");
        assertThat(emulator.control().card(sent.messageId()))
                .isEqualTo(dev.larkhandoff.emulator.EmuJson.read(LarkJson.write(replaced)));
    }

    @Test
    void given_our_client_when_it_uploads_an_image_sends_messages_and_reads_one_back_then_the_emulator_state_agrees()
            throws Exception {
        start(EmulatorOptions.defaults());
        Path png = dir.resolve("dot.png");
        Files.write(png, PNG);

        String imageKey = client.resources()
                .uploadImage(png, ResourceApi.ImageType.MESSAGE)
                .block();
        Message image = client.messages()
                .sendToChat(group.chatId, OutgoingMessage.image(imageKey))
                .block();
        Message text = client.messages()
                .sendToChat(group.chatId, OutgoingMessage.text("hello from java"))
                .block();
        Message readBack = client.messages().get(text.messageId()).block();

        assertThat(readBack.messageId()).isEqualTo(text.messageId());
        assertThat(LarkJson.read(readBack.content()).path("text").asString()).isEqualTo("hello from java");
        assertThat(emulator.state().resource(imageKey))
                .hasValueSatisfying(r -> assertThat(r.bytes()).isEqualTo(PNG));
        assertThat(emulator.control().botMessages(group.chatId))
                .extracting(EmuMessage::messageId)
                .containsExactly(image.messageId(), text.messageId());
        assertThat(emulator.control().tokenFetches()).isEqualTo(1);
        List<CallRecord> rest = emulator.control().calls().stream()
                .filter(c -> c.path().startsWith("/open-apis/im/"))
                .toList();
        assertThat(rest).hasSize(4).allSatisfy(c -> {
            assertThat(c.httpStatus()).isEqualTo(200);
            assertThat(c.hadBearer()).isTrue();
        });
    }

    @Test
    void given_a_connected_client_when_it_idles_then_every_ping_gets_a_pong_and_it_does_not_ping_in_a_loop()
            throws Exception {
        start(EmulatorOptions.defaults().withPingInterval(1));

        Thread.sleep(3_000);

        int pings = emulator.gateway().pings();
        assertThat(pings).isBetween(2, 5);
        assertThat(connection.stats().pongs()).isGreaterThanOrEqualTo(pings - 1);
        assertThat(connection.clientConfig().pingIntervalSeconds()).isEqualTo(1);
        assertThat(connection.clientConfig().reconnectIntervalSeconds()).isPositive();
        assertThat(connection.clientConfig().reconnectNonceSeconds()).isPositive();
    }
}
