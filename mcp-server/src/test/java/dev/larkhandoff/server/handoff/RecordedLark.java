package dev.larkhandoff.server.handoff;

import static dev.larkhandoff.testing.Eventually.await;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.Ids;
import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMention;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.lark.im.OutgoingMessage;
import dev.larkhandoff.lark.ws.LongConnection;
import dev.larkhandoff.lark.ws.LongConnectionOptions;
import dev.larkhandoff.server.routing.InboundRecorder;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.chat.MemberRole;
import dev.larkhandoff.store.chat.SentMessage;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.inbox.InboxRow;
import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.store.session.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The level these tests add over a {@link TestWorld} of the emulator and a store: one handoff group with an operator, a
 * guest, a coowner and a stranger, and every event stored by the daemon's own {@link InboundRecorder} over a real
 * long connection into the real SQLite store. Each helper returns once the event is stored (the recorder
 * acknowledges only after the write). Register with {@code @RegisterExtension}.
 */
final class RecordedLark implements BeforeEachCallback, AfterEachCallback {

    static final Duration STORED = Duration.ofSeconds(15);
    static final String SESSION = "session-1";

    private final TestWorld world = TestWorld.builder().lark().store().build();
    LarkEmulator lark;
    LarkClient client;
    Store store;
    Path home;
    EmuUser operator;
    EmuUser guest;
    EmuUser coowner;
    EmuUser stranger;
    EmuChat chat;
    String bot;
    private LongConnection connection;
    private Disposable subscription;
    private final AtomicLong clock = new AtomicLong(1_760_000_000_000L);

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        world.beforeEach(context);
        lark = world.lark();
        client = world.client();
        store = world.store();
        home = world.home();
        operator = lark.control().addUser("Olivia");
        guest = lark.control().addUser("Gina");
        coowner = lark.control().addUser("Colin");
        stranger = lark.control().addUser("Sam");
        chat = lark.control().createGroup("repo@laptop", operator, guest, coowner, stranger);
        bot = lark.app().botOpenId();
        store.sessions().register(SESSION, Role.SESSION, "{}", DeliveryMode.PULL, null, "test");
        InboundRecorder recorder = new InboundRecorder(store.inbox(), (row, result) -> {});
        connection = client.longConnection(LongConnectionOptions.defaults());
        subscription =
                connection.events().publishOn(Schedulers.boundedElastic()).subscribe(recorder::accept);
        await(() -> connection.state() == LongConnection.State.CONNECTED, "the long connection");
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (subscription != null) {
            subscription.dispose();
        }
        if (connection != null) {
            connection.close(Duration.ZERO);
        }
        world.afterEach(context);
    }

    // ---- people act in Lark ----

    /** A text message, @-mentioning these open_ids first (as Lark writes them: keys before the text). */
    String says(EmuUser who, String text, String... mentionOpenIds) {
        var sent = lark.control().sendText(who, chat.chatId, text, mentionOpenIds);
        sent.awaitAcks(STORED);
        return sent.messageId();
    }

    String repliesTo(EmuUser who, String parentId, String text, String... mentionOpenIds) {
        List<EmuMention> mentions = lark.control().mentions(mentionOpenIds);
        StringBuilder keys = new StringBuilder();
        mentions.forEach(m -> keys.append(m.key()).append(' '));
        var sent = lark.control()
                .send(
                        who,
                        chat.chatId,
                        "text",
                        EmuJson.object().put("text", keys + text),
                        new EmulatorControl.Reply(parentId, false),
                        mentions);
        sent.awaitAcks(STORED);
        return sent.messageId();
    }

    /** Any message type with this content and mentions. */
    String sends(EmuUser who, String msgType, ObjectNode content, List<EmuMention> mentions) {
        var sent = lark.control().send(who, chat.chatId, msgType, content, null, mentions);
        sent.awaitAcks(STORED);
        return sent.messageId();
    }

    String sticker(EmuUser who) {
        var sent = lark.control().sendSticker(who, chat.chatId, "file_v3_sticker_" + Ids.hex(4));
        sent.awaitAcks(STORED);
        return sent.messageId();
    }

    void reacts(EmuUser who, String messageId, String emoji) {
        join(lark.control().react(who, messageId, emoji));
    }

    /**
     * A message Lark pushes with this sender as is (another bot, the bot itself, a sender without an id), which
     * the emulator's people cannot send.
     */
    String pushedMessage(String senderType, String senderOpenId, String text, List<EmuMention> mentions) {
        return pushedMessage(Ids.messageId(), senderType, senderOpenId, text, mentions);
    }

    /** As above, with the message id Lark gives it (the id of a message the bot sent, coming back). */
    String pushedMessage(String id, String senderType, String senderOpenId, String text, List<EmuMention> mentions) {
        long time = clock.incrementAndGet();
        ObjectNode event = EmuJson.object();
        ObjectNode sender = event.putObject("sender");
        ObjectNode senderId = sender.putObject("sender_id");
        if (senderOpenId != null) {
            senderId.put("open_id", senderOpenId);
        }
        sender.put("sender_type", senderType);
        ObjectNode m = event.putObject("message");
        m.put("message_id", id);
        m.put("create_time", String.valueOf(time));
        m.put("chat_id", chat.chatId);
        m.put("chat_type", "group");
        m.put("message_type", "text");
        m.put("content", EmuJson.write(EmuJson.object().put("text", text)));
        if (!mentions.isEmpty()) {
            ArrayNode list = m.putArray("mentions");
            for (EmuMention x : mentions) {
                ObjectNode o = list.addObject();
                o.put("key", x.key());
                o.putObject("id").put("open_id", x.openId());
                o.put("name", x.name());
            }
        }
        join(lark.control().pushEvent("im.message.receive_v1", event));
        return id;
    }

    /** A mention of someone the emulator does not know (another app's bot), keyed {@code key}. */
    static EmuMention mentionOf(String key, String openId, String name) {
        return new EmuMention(key, openId, "", "", name, "");
    }

    // ---- the bot ----

    /** The bot posts a text and, as the daemon does with everything it sends, records it as sent. */
    String botSays(String text) {
        var m = client.messages()
                .sendToChat(chat.chatId, OutgoingMessage.text(text))
                .block();
        store.chats()
                .recordSent(
                        new SentMessage(m.messageId(), chat.chatId, SESSION, "message", null, text, m.createTime()));
        return m.messageId();
    }

    /** The bot posts a card (not recorded: card tests click it, they do not look it up). */
    String botSendsCard(JsonNode card) {
        return client.messages()
                .sendToChat(chat.chatId, OutgoingMessage.interactive(card))
                .block()
                .messageId();
    }

    // ---- the store ----

    /** Binds the chat to the session, with the operator and the bot as the handoff's. */
    Binding bind(boolean needMention) {
        return bind(operator.openId(), bot, needMention);
    }

    Binding bind(String operatorOpenId, String botOpenId, boolean needMention) {
        store.bindings()
                .claim(Binding.of(chat.chatId, SESSION)
                        .withOperator(operatorOpenId, botOpenId)
                        .withNeedMention(needMention));
        return store.bindings().find(chat.chatId).orElseThrow();
    }

    void member(EmuUser who, MemberRole role) {
        store.chats().putMember(chat.chatId, who.openId(), who.name(), role);
    }

    /** Every stored event, oldest first (reactions carry no chat id, so not by chat). */
    List<InboxRow> rows() {
        return store.inbox().pending();
    }

    InboxRow row(String messageId) {
        return rows().stream()
                .filter(r -> messageId.equals(r.event().messageId()))
                .findFirst()
                .orElseThrow();
    }

    private static <T> T join(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.get(STORED.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("event not stored and acknowledged", e);
        }
    }
}
