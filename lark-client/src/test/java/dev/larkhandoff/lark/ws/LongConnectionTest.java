package dev.larkhandoff.lark.ws;

import static dev.larkhandoff.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.emulator.ws.DeliveryPlan;
import dev.larkhandoff.emulator.ws.EventAck;
import dev.larkhandoff.lark.EmulatedLark;
import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.event.BotMembershipChanged;
import dev.larkhandoff.lark.event.CardAction;
import dev.larkhandoff.lark.event.CardResponse;
import dev.larkhandoff.lark.event.LarkEvent;
import dev.larkhandoff.lark.event.MessageContent;
import dev.larkhandoff.lark.event.MessageReceived;
import dev.larkhandoff.lark.event.ReactionCreated;
import dev.larkhandoff.lark.im.OutgoingMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LongConnectionTest {

    @RegisterExtension
    final EmulatedLark lark = new EmulatedLark();

    private LongConnection connection;
    private EventCollector events;
    private EmuUser alice;
    private EmuChat chat;

    @BeforeEach
    void connect() {
        alice = lark.control().addUser("Alice");
        chat = lark.control().createGroup("team", alice);
        connection = new LongConnection(lark.client().http(), LongConnectionOptions.defaults());
        events = new EventCollector(connection);
        await(() -> connection.state() == LongConnection.State.CONNECTED, "connected", Duration.ofSeconds(10));
    }

    @AfterEach
    void close() {
        events.close();
        connection.close(Duration.ZERO);
    }

    private String appId() {
        return lark.emulator().app().appId();
    }

    private List<EventAck> acks() {
        return lark.emulator().gateway().acks();
    }

    @Test
    void given_a_text_with_a_mention_when_acknowledged_then_typed_event_arrives_and_lark_gets_200_once() {
        var sent = lark.control()
                .sendText(
                        alice,
                        chat.chatId,
                        "deploy please",
                        lark.emulator().app().botOpenId());

        InboundEvent inbound = events.next();
        sleep(300);
        assertThat(lark.emulator().gateway().unacknowledged())
                .as("not acked before the consumer decides")
                .isEqualTo(1);
        inbound.ack();

        MessageReceived m = (MessageReceived) inbound.event();
        assertThat(m.message().messageId()).isEqualTo(sent.messageId());
        assertThat(m.message().chatId()).isEqualTo(chat.chatId);
        assertThat(m.message().content()).isEqualTo(new MessageContent.Text("@_user_1 deploy please"));
        assertThat(m.message().mentions())
                .singleElement()
                .satisfies(x -> assertThat(x.id().openId())
                        .isEqualTo(lark.emulator().app().botOpenId()));
        assertThat(m.sender().senderId().openId()).isEqualTo(alice.openId());
        EventAck ack = sent.awaitAcks(Duration.ofSeconds(5)).get(0);
        assertThat(ack.code()).isEqualTo(200);
        assertThat(ack.attempts()).isEqualTo(1);
    }

    @Test
    void given_every_message_type_the_handoff_reads_then_each_decodes_to_its_record() {
        var post = EmuJson.object().put("title", "Plan");
        var para = post.putArray("content").addArray();
        para.addObject().put("tag", "text").put("text", "step ");
        para.addObject().put("tag", "a").put("text", "one").put("href", "https://example.com");
        var text = lark.control().sendText(alice, chat.chatId, "hello");
        var rich = lark.control().sendPost(alice, chat.chatId, post);
        var image = lark.control().sendImage(alice, chat.chatId, new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        var file = lark.control().sendFile(alice, chat.chatId, "report".getBytes(), "report.pdf");
        var sticker = lark.control().sendSticker(alice, chat.chatId, "file_v3_sticker");
        var audio = lark.control().sendAudio(alice, chat.chatId, new byte[] {1, 2}, 3000);
        var media = lark.control().sendMedia(alice, chat.chatId, new byte[] {3}, new byte[] {4}, "clip.mp4", 9000);
        var card = lark.control().sendInteractive(alice, chat.chatId, (tools.jackson.databind.node.ObjectNode)
                EmuJson.read("{\"elements\":[{\"tag\":\"markdown\",\"content\":\"hi\"}]}"));
        var forward = lark.control().mergeForward(alice, chat.chatId, List.of(text.messageId(), rich.messageId()));

        List<MessageContent> contents = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            contents.add(((MessageReceived) events.nextAcked()).message().content());
        }

        assertThat(contents.get(0)).isEqualTo(new MessageContent.Text("hello"));
        assertThat(contents.get(1)).isInstanceOfSatisfying(MessageContent.Post.class, p -> {
            assertThat(p.title()).isEqualTo("Plan");
            assertThat(p.plainText()).isEqualTo("step one");
        });
        assertThat(contents.get(2)).isInstanceOf(MessageContent.Image.class);
        assertThat(contents.get(3))
                .isInstanceOfSatisfying(
                        MessageContent.File.class, f -> assertThat(f.fileName()).isEqualTo("report.pdf"));
        assertThat(contents.get(4)).isEqualTo(new MessageContent.Sticker("file_v3_sticker"));
        assertThat(contents.get(5))
                .isInstanceOfSatisfying(
                        MessageContent.Audio.class,
                        a -> assertThat(a.durationMillis()).isEqualTo(3000));
        assertThat(contents.get(6))
                .isInstanceOfSatisfying(
                        MessageContent.Media.class,
                        m -> assertThat(m.fileName()).isEqualTo("clip.mp4"));
        assertThat(contents.get(7)).isInstanceOf(MessageContent.Interactive.class);
        assertThat(contents.get(8)).isEqualTo(new MessageContent.MergeForward());
        assertThat(List.of(image, file, sticker, audio, media, card, forward))
                .allSatisfy(s -> assertThat(s.awaitAcks(Duration.ofSeconds(5))).allMatch(EventAck::ok));
    }

    @Test
    void given_reaction_and_bot_membership_events_then_they_arrive_typed() {
        var sent = lark.control().sendText(alice, chat.chatId, "hi");
        events.nextAcked();
        lark.control().react(alice, sent.messageId(), "THUMBSUP");
        lark.control().removeBot(chat.chatId, alice);
        lark.control().addBot(chat.chatId, alice);

        ReactionCreated reaction = (ReactionCreated) events.nextAcked();
        BotMembershipChanged removed = (BotMembershipChanged) events.nextAcked();
        BotMembershipChanged added = (BotMembershipChanged) events.nextAcked();

        assertThat(reaction.messageId()).isEqualTo(sent.messageId());
        assertThat(reaction.emojiType()).isEqualTo("THUMBSUP");
        assertThat(reaction.userId().openId()).isEqualTo(alice.openId());
        assertThat(removed.added()).isFalse();
        assertThat(added.added()).isTrue();
        assertThat(added.chatId()).isEqualTo(chat.chatId);
        assertThat(added.operatorId().openId()).isEqualTo(alice.openId());
    }

    @Test
    void given_a_card_button_click_then_the_response_toast_and_card_update_reach_lark() {
        var card = tools.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        card.put("schema", "2.0");
        var button = card.putObject("body").putArray("elements").addObject();
        button.put("tag", "button");
        button.putObject("text").put("tag", "plain_text").put("content", "Approve");
        button.putArray("behaviors")
                .addObject()
                .put("type", "callback")
                .putObject("value")
                .put("action", "y");
        var message = lark.client()
                .messages()
                .sendToChat(chat.chatId, OutgoingMessage.interactive(card))
                .block();

        var click = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> lark.control().clickButton(alice, message.messageId(), "Approve"));
        InboundEvent inbound = events.next();
        CardAction action = (CardAction) inbound.event();
        assertThat(action.action().value().path("action").asString()).isEqualTo("y");
        assertThat(action.operator().openId()).isEqualTo(alice.openId());
        assertThat(action.context().openMessageId()).isEqualTo(message.messageId());
        var updated = dev.larkhandoff.lark.LarkJson.object().put("schema", "2.0");
        updated.putObject("header").putObject("title").put("content", "Approved");
        inbound.respond(CardResponse.toast("success", "Got it: y").withCard(updated));

        var callback = click.join();
        assertThat(callback.toast()).isEqualTo("Got it: y");
        assertThat(lark.control()
                        .card(message.messageId())
                        .path("header")
                        .path("title")
                        .path("content")
                        .asString())
                .isEqualTo("Approved");
    }

    @Test
    void given_a_form_card_when_a_person_submits_it_then_the_action_carries_every_field() throws Exception {
        var card = dev.larkhandoff.lark.card.Cards.form(
                        "Deploy",
                        "Pick a target",
                        List.of(new dev.larkhandoff.lark.card.FormField.Input("reason", "why?", true)))
                .withCancel("Cancel")
                .withChatId(chat.chatId)
                .toJson();
        var message = lark.client()
                .messages()
                .sendToChat(chat.chatId, OutgoingMessage.interactive(card))
                .block();
        var form = EmuJson.object().put("reason", "hotfix");

        var submit = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> lark.control().submitForm(alice, message.messageId(), form));
        InboundEvent inbound = events.next();
        inbound.respond(CardResponse.toast("success", "Got it"));

        CardAction action = (CardAction) inbound.event();
        assertThat(action.action().formValue().path("reason").asString()).isEqualTo("hotfix");
        assertThat(action.action().name()).isEqualTo("submit");
        assertThat(action.action().value().path("action").asString()).isEqualTo("form_submit");
        assertThat(submit.get(10, java.util.concurrent.TimeUnit.SECONDS).toast())
                .isEqualTo("Got it");
    }

    @Test
    void given_a_reply_in_a_thread_then_the_event_carries_parent_root_and_thread() {
        var question = lark.control().sendText(alice, chat.chatId, "question");
        events.nextAcked();
        var answer = lark.control()
                .sendTextReply(
                        alice,
                        chat.chatId,
                        "follow-up",
                        new dev.larkhandoff.emulator.control.EmulatorControl.Reply(question.messageId(), true));

        MessageReceived m = (MessageReceived) events.nextAcked();

        assertThat(m.message().messageId()).isEqualTo(answer.messageId());
        assertThat(m.message().parentId()).isEqualTo(question.messageId());
        assertThat(m.message().rootId()).isEqualTo(question.messageId());
        assertThat(m.message().threadId()).startsWith("omt_");
    }

    @Test
    void given_fragments_arriving_out_of_order_then_the_event_is_reassembled() {
        lark.control().planNext(DeliveryPlan.fragmented(5, true));
        String text = "x".repeat(3000) + " end";
        lark.control().sendText(alice, chat.chatId, text);

        MessageReceived m = (MessageReceived) events.nextAcked();

        assertThat(((MessageContent.Text) m.message().content()).text()).isEqualTo(text);
        await(() -> acks().size() == 1, "the ack", Duration.ofSeconds(5));
        assertThat(acks().get(0).attempts()).isEqualTo(1);
    }

    @Test
    void given_a_consumer_failure_then_lark_pushes_again_and_the_consumer_gets_a_second_chance() {
        lark.control().redeliveryDelay(Duration.ofMillis(100));
        var sent = lark.control().sendText(alice, chat.chatId, "retry me");

        InboundEvent first = events.next();
        first.fail();
        InboundEvent second = events.next();
        second.ack();

        assertThat(second.event().eventId()).isEqualTo(first.event().eventId());
        EventAck ack = sent.awaitAcks(Duration.ofSeconds(5)).get(0);
        assertThat(ack.code()).isEqualTo(200);
        assertThat(ack.attempts()).isEqualTo(2);
        assertThat(connection.stats().failedAcks()).isEqualTo(1);
    }

    @Test
    void given_the_socket_dropped_mid_stream_then_after_reconnect_no_event_is_lost_or_duplicated() throws Exception {
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sent.add(lark.control().sendText(alice, chat.chatId, "before " + i).messageId());
        }
        // One event loses its socket halfway through its fragments.
        lark.control().planNext(DeliveryPlan.droppedMidway(3, 1));
        sent.add(lark.control().sendText(alice, chat.chatId, "torn").messageId());
        for (int i = 0; i < 10; i++) {
            sent.add(lark.control().sendText(alice, chat.chatId, "after " + i).messageId());
        }
        lark.control().dropConnections();
        for (int i = 0; i < 5; i++) {
            sent.add(lark.control().sendText(alice, chat.chatId, "late " + i).messageId());
        }

        List<String> received = new ArrayList<>();
        while (received.size() < sent.size()) {
            LarkEvent e = events.nextAcked();
            received.add(((MessageReceived) e).message().messageId());
        }
        events.assertQuiet(Duration.ofSeconds(4));

        assertThat(received).containsExactlyInAnyOrderElementsOf(sent);
        await(() -> lark.emulator().gateway().unacknowledged() == 0, "every event acked", Duration.ofSeconds(10));
        assertThat(connection.stats().connects()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void given_a_redelivery_of_an_event_already_accepted_then_consumer_does_not_see_it_twice() throws Exception {
        // The consumer accepts, but Lark never hears it: the socket is gone before the ack.
        var sent = lark.control().sendText(alice, chat.chatId, "once");
        InboundEvent first = events.next();
        long connectsBefore = connection.stats().connects();
        lark.control().dropConnections();
        // The client may be connected again before a poll sees it down: a new connect counts as seeing the drop.
        await(
                () -> connection.state() != LongConnection.State.CONNECTED
                        || connection.stats().connects() > connectsBefore,
                "the drop",
                Duration.ofSeconds(5));
        first.ack();

        EventAck ack = sent.awaitAcks(Duration.ofSeconds(15)).get(0);

        assertThat(ack.code()).isEqualTo(200);
        events.assertQuiet(Duration.ofSeconds(1));
        assertThat(connection.stats().eventsDelivered()).isEqualTo(1);
    }

    @Test
    void given_bad_input_then_it_is_counted_and_skipped_and_the_stream_lives_on() throws Exception {
        lark.control().sendRawFrame(new byte[] {(byte) 0xFF, 0x01, 0x02});
        lark.control().sendRawFrame(new byte[] {0x08, 0x01});
        EventAck invalidJson = lark.control()
                .pushRawEvent("{not json".getBytes(StandardCharsets.UTF_8))
                .get();
        var unknown = lark.control()
                .pushEvent("im.chat.disbanded_v1", EmuJson.object().put("chat_id", chat.chatId))
                .get();
        var noHeader = lark.control()
                .pushRawEvent("{\"schema\":\"2.0\",\"event\":{}}".getBytes(StandardCharsets.UTF_8))
                .get();
        byte[] huge =
                ("{\"schema\":\"2.0\",\"header\":{\"event_id\":\"big\",\"event_type\":\"im.message.receive_v1\"},\"pad\":\""
                                + "a".repeat(5 * 1024 * 1024) + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
        lark.control().planNext(DeliveryPlan.fragmented(8, false));
        EventAck oversized = lark.control().pushRawEvent(huge).get();

        var good = lark.control().sendText(alice, chat.chatId, "still alive");
        MessageReceived m = (MessageReceived) events.nextAcked();

        assertThat(m.message().messageId()).isEqualTo(good.messageId());
        assertThat(List.of(invalidJson, unknown, noHeader, oversized)).allMatch(EventAck::ok);
        LongConnectionStats stats = connection.stats();
        assertThat(stats.malformedFrames()).isEqualTo(2);
        assertThat(stats.invalidPayloads()).isEqualTo(2);
        assertThat(stats.unknownEvents()).isEqualTo(1);
        assertThat(stats.oversizedPayloads()).isEqualTo(1);
        assertThat(stats.eventsDelivered()).isEqualTo(1);
    }

    @Test
    void given_events_whose_fields_have_the_wrong_json_types_then_no_one_of_them_costs_the_connection()
            throws Exception {
        String weird = "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"w1\",\"event_type\":\"im.message.receive_v1\","
                + "\"create_time\":{}},\"event\":{\"sender\":[],\"message\":{\"message_id\":\"om_w\",\"chat_id\":\"oc_w\","
                + "\"message_type\":\"text\",\"content\":{\"text\":1},\"create_time\":[1],\"mentions\":\"x\"}}}";
        String card = "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"w2\",\"event_type\":\"card.action.trigger\"},"
                + "\"event\":{\"operator\":\"nobody\",\"action\":{\"checked\":\"x\",\"form_value\":null,\"value\":7}}}";
        var first = lark.control().pushRawEvent(weird.getBytes(StandardCharsets.UTF_8));
        var second = lark.control().pushRawEvent(card.getBytes(StandardCharsets.UTF_8));

        LarkEvent a = events.nextAcked();
        LarkEvent b = events.nextAcked();

        assertThat(a)
                .isInstanceOfSatisfying(
                        MessageReceived.class,
                        m -> assertThat(m.message().createTime()).isZero());
        assertThat(b)
                .isInstanceOfSatisfying(
                        CardAction.class, c -> assertThat(c.action().checked()).isFalse());
        assertThat(List.of(first.get(), second.get())).allMatch(EventAck::ok);
        assertThat(connection.stats().connects()).isEqualTo(1);
    }

    @Test
    void given_a_websocket_level_ping_from_the_server_then_it_is_answered_and_not_counted_as_bad_input() {
        lark.control().pingClients();

        await(() -> lark.emulator().gateway().websocketPongs() == 1, "a WebSocket pong", Duration.ofSeconds(5));
        assertThat(connection.stats().malformedFrames()).isZero();
    }

    @Test
    void given_an_event_frame_split_into_websocket_continuation_frames_then_it_arrives_whole() {
        lark.control().planNext(DeliveryPlan.splitAcrossWebSocketFrames());
        var sent = lark.control().sendText(alice, chat.chatId, "split on the wire");

        MessageReceived m = (MessageReceived) events.nextAcked();

        assertThat(m.message().messageId()).isEqualTo(sent.messageId());
        assertThat(connection.stats().malformedFrames()).isZero();
    }

    @Test
    void given_a_server_that_accepts_but_never_upgrades_then_the_attempt_times_out_and_the_next_one_connects()
            throws Exception {
        events.close();
        connection.close(Duration.ZERO);
        try (java.net.ServerSocket silent =
                new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (java.io.IOException closed) {
                    // test over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            lark.emulator().gateway().overrideEndpointUrl("ws://127.0.0.1:" + silent.getLocalPort() + "/ws/v2");
            connection = new LongConnection(
                    lark.client().http(), LongConnectionOptions.defaults().withConnectTimeout(Duration.ofMillis(700)));
            events = new EventCollector(connection);

            await(() -> lark.emulator().gateway().endpointCalls() >= 3, "a second try", Duration.ofSeconds(10));
            assertThat(connection.state()).isIn(LongConnection.State.CONNECTING, LongConnection.State.RECONNECTING);
            lark.emulator().gateway().overrideEndpointUrl(null);

            await(() -> connection.state() == LongConnection.State.CONNECTED, "connected", Duration.ofSeconds(15));
            assertThat(accepted).isNotEmpty();
            for (java.net.Socket s : accepted) {
                s.close();
            }
        }
    }

    @Test
    void given_close_then_the_server_receives_a_1000_close_frame() {
        connection.close();

        await(() -> lark.emulator().gateway().lastCloseStatus() != null, "a close frame", Duration.ofSeconds(5));
        assertThat(lark.emulator().gateway().lastCloseStatus()).isEqualTo(1000);
    }

    @Test
    void given_the_consumer_cancels_its_subscription_then_the_connection_closes() {
        events.close();

        await(
                () -> lark.emulator().gateway().liveConnections(appId()) == 0,
                "the socket to close",
                Duration.ofSeconds(10));
        await(() -> connection.state() == LongConnection.State.CLOSED, "CLOSED", Duration.ofSeconds(5));
    }

    @Test
    void given_pings_then_pongs_arrive_and_their_config_is_applied() {
        await(() -> connection.stats().pongs() >= 1, "a pong", Duration.ofSeconds(5));

        assertThat(connection.stats().pingsSent()).isGreaterThanOrEqualTo(1);
        assertThat(lark.emulator().gateway().pings()).isGreaterThanOrEqualTo(1);
        assertThat(connection.clientConfig().pingIntervalSeconds()).isEqualTo(30);
        assertThat(connection.clientConfig().reconnectIntervalSeconds()).isEqualTo(1);
    }

    @Test
    void given_close_then_the_stream_completes_and_the_server_sees_the_socket_go() {
        connection.close();

        await(events::completed, "completion", Duration.ofSeconds(5));
        await(
                () -> lark.emulator().gateway().liveConnections(appId()) == 0,
                "server-side close",
                Duration.ofSeconds(5));
        assertThat(connection.state()).isEqualTo(LongConnection.State.CLOSED);
    }

    @Test
    void given_many_events_then_each_arrives_once_in_order_of_sending() {
        Set<String> sent = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            sent.add(lark.control().sendText(alice, chat.chatId, "n" + i).messageId());
        }
        Set<String> received = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            received.add(((MessageReceived) events.nextAcked()).message().messageId());
        }
        assertThat(received).isEqualTo(sent);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void given_lark_allows_two_reconnect_attempts_when_both_fail_then_the_stream_gives_up_with_an_error() {
        events.close();
        connection.close(Duration.ZERO);
        try (var strict = dev.larkhandoff.emulator.LarkEmulator.start(
                        dev.larkhandoff.emulator.EmulatorOptions.defaults().withReconnect(2, 2, 0));
                var client = dev.larkhandoff.lark.LarkClient.create(dev.larkhandoff.lark.LarkClientConfig.of(
                        strict.baseUrl(), strict.app().appId(), strict.app().appSecret()))) {
            connection = client.longConnection(LongConnectionOptions.defaults());
            events = new EventCollector(connection);
            await(() -> connection.state() == LongConnection.State.CONNECTED, "connected", Duration.ofSeconds(10));
            strict.control().refuseEndpoint(1000040343, 10);

            strict.control().dropConnections();
            Throwable error = events.awaitError(Duration.ofSeconds(20));

            assertThat(error)
                    .isInstanceOf(LarkException.class)
                    .hasMessageContaining("gave up after 2 reconnect attempts");
            assertThat(strict.gateway().endpointCalls())
                    .as("the first connect and two attempts")
                    .isEqualTo(1 + 2);
            assertThat(connection.state()).isEqualTo(LongConnection.State.FAILED);
        }
    }

    @Test
    void given_handshake_refused_with_403_then_the_stream_fails_with_a_typed_error() {
        events.close();
        connection.close(Duration.ZERO);
        lark.control().refuseHandshakes(403, "forbidden", 0, 1);
        connection = new LongConnection(lark.client().http(), LongConnectionOptions.defaults());
        events = new EventCollector(connection);

        Throwable error = events.awaitError(Duration.ofSeconds(10));

        assertThat(error).isInstanceOfSatisfying(HandshakeRejectedException.class, e -> {
            assertThat(e.handshakeStatus()).isEqualTo(403);
            assertThat(e.handshakeMsg()).isEqualTo("forbidden");
            assertThat(e.retryable()).isFalse();
        });
        assertThat(connection.state()).isEqualTo(LongConnection.State.FAILED);
    }

    @Test
    void given_too_many_connections_then_the_rejection_is_final() {
        events.close();
        connection.close(Duration.ZERO);
        lark.control().refuseHandshakes(514, "exceeds connection limit", 1000040350, 1);
        connection = new LongConnection(lark.client().http(), LongConnectionOptions.defaults());
        events = new EventCollector(connection);

        assertThat(events.awaitError(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(
                        HandshakeRejectedException.class,
                        e -> assertThat(e.authErrCode()).isEqualTo(1000040350));
    }

    @Test
    void given_a_transient_handshake_refusal_then_the_client_retries_and_connects() {
        events.close();
        connection.close(Duration.ZERO);
        lark.control().refuseHandshakes(514, "busy", 0, 1);
        lark.control().refuseEndpoint(1000040343, 1);
        connection = new LongConnection(lark.client().http(), LongConnectionOptions.defaults());
        events = new EventCollector(connection);

        await(
                () -> connection.state() == LongConnection.State.CONNECTED,
                "connected after retries",
                Duration.ofSeconds(15));
        var sent = lark.control().sendText(alice, chat.chatId, "made it");
        assertThat(((MessageReceived) events.nextAcked()).message().messageId()).isEqualTo(sent.messageId());
    }

    @Test
    void given_wrong_credentials_then_discovery_fails_for_good() {
        events.close();
        connection.close(Duration.ZERO);
        var bad = dev.larkhandoff.lark.LarkClient.create(dev.larkhandoff.lark.LarkClientConfig.of(
                lark.emulator().baseUrl(), lark.emulator().app().appId(), "wrong"));
        connection = new LongConnection(bad.http(), LongConnectionOptions.defaults());
        events = new EventCollector(connection);

        assertThat(events.awaitError(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(
                        LarkException.class, e -> assertThat(e.code()).isEqualTo(514));
        bad.close();
    }

    @Test
    void given_a_consumer_that_cannot_keep_up_then_excess_events_are_answered_500_and_come_back() {
        events.close();
        connection.close(Duration.ZERO);
        lark.control().redeliveryDelay(Duration.ofMillis(200));
        connection = new LongConnection(
                lark.client().http(), LongConnectionOptions.defaults().withQueueCapacity(2));
        List<InboundEvent> taken = java.util.Collections.synchronizedList(new ArrayList<>());
        var subscriber = new reactor.core.publisher.BaseSubscriber<InboundEvent>() {
            @Override
            protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
                // takes nothing until the test asks
            }

            @Override
            protected void hookOnNext(InboundEvent e) {
                taken.add(e);
                e.ack();
            }
        };
        connection.events().subscribe(subscriber);
        await(() -> connection.state() == LongConnection.State.CONNECTED, "connected", Duration.ofSeconds(10));
        for (int i = 0; i < 5; i++) {
            lark.control().sendText(alice, chat.chatId, "burst " + i);
        }
        await(() -> connection.stats().shedForFullQueue() >= 3, "shedding", Duration.ofSeconds(10));

        subscriber.request(Long.MAX_VALUE);

        await(() -> taken.size() == 5, "all five events", Duration.ofSeconds(15));
        await(() -> lark.emulator().gateway().unacknowledged() == 0, "all acked", Duration.ofSeconds(10));
        subscriber.dispose();
    }
}
