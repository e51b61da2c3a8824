package dev.larkhandoff.emulator.control;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.EmulatorState;
import dev.larkhandoff.emulator.Ids;
import dev.larkhandoff.emulator.model.EmuApp;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMention;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuResource;
import dev.larkhandoff.emulator.model.EmuSender;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.emulator.openapi.ApiError;
import dev.larkhandoff.emulator.openapi.Faults;
import dev.larkhandoff.emulator.openapi.MessageRoutes;
import dev.larkhandoff.emulator.openapi.OpenApiServer;
import dev.larkhandoff.emulator.ws.DeliveryPlan;
import dev.larkhandoff.emulator.ws.EventAck;
import dev.larkhandoff.emulator.ws.LongConnectionGateway;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Plays the humans and the platform's bad days: people send every message type, mention, reply in threads,
 * react, forward, click buttons and submit forms; tests read what the bot sent and inject faults.
 */
public final class EmulatorControl {

    /** A message a person sent, and the pushes of its event to every bot in the chat. */
    public record Sent(EmuMessage message, List<CompletableFuture<EventAck>> deliveries) {
        /** Waits until every bot acknowledged the event with 200 (or gave up), and returns the acks. */
        public List<EventAck> awaitAcks(Duration timeout) {
            List<EventAck> out = new ArrayList<>();
            for (CompletableFuture<EventAck> f : deliveries) {
                try {
                    out.add(f.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
                } catch (Exception e) {
                    throw new IllegalStateException(
                            "event of " + message.messageId() + " not acknowledged in " + timeout, e);
                }
            }
            return out;
        }

        public String messageId() {
            return message.messageId();
        }
    }

    /** Where a person's message goes in a conversation: a reply to a parent, optionally in its thread. */
    public record Reply(String parentId, boolean inThread) {}

    private final EmulatorState state;
    private final LongConnectionGateway gateway;
    private final OpenApiServer openApi;
    private final MessageRoutes messages;
    private final EmuApp defaultApp;

    public EmulatorControl(
            EmulatorState state,
            LongConnectionGateway gateway,
            OpenApiServer openApi,
            MessageRoutes messages,
            EmuApp defaultApp) {
        this.state = state;
        this.gateway = gateway;
        this.openApi = openApi;
        this.messages = messages;
        this.defaultApp = defaultApp;
    }

    public EmuApp app() {
        return defaultApp;
    }

    // ---- people and chats ----

    public EmuUser addUser(String name) {
        return state.addUser(name, name.toLowerCase().replaceAll("[^a-z0-9]+", ".") + "@example.com");
    }

    public EmuUser addUser(String name, String email) {
        return state.addUser(name, email);
    }

    public EmuUser userByOpenId(String openId) {
        return state.user(openId).orElseThrow(() -> new IllegalArgumentException("no user " + openId));
    }

    /** A group owned by {@code owner} with these members and the default app's bot in it. */
    public EmuChat createGroup(String name, EmuUser owner, EmuUser... members) {
        EmuChat chat = state.createChat(name, "", "group");
        state.withChat(chat.chatId, c -> {
            c.ownerId = owner.openId();
            c.ownerIdType = "open_id";
            c.members.add(owner.openId());
            for (EmuUser m : members) {
                c.members.add(m.openId());
            }
            c.botAppIds.add(defaultApp.appId());
            return c;
        });
        return chat;
    }

    /** The bot's p2p chat with this person. */
    public EmuChat p2pChat(EmuUser user) {
        return messages.p2pChat(defaultApp, user);
    }

    /** {@code operator} adds the bot to a chat; the app gets {@code im.chat.member.bot.added_v1}. */
    public CompletableFuture<EventAck> addBot(String chatId, EmuUser operator) {
        EmuChat chat = state.withChat(chatId, c -> {
            requireChat(c, chatId);
            c.botAppIds.add(defaultApp.appId());
            return c;
        });
        return gateway.publish(
                defaultApp.appId(), EventFactory.botMembership(defaultApp, operator, chat, true, state.now()));
    }

    /** {@code operator} removes the bot; the app gets {@code im.chat.member.bot.deleted_v1}. */
    public CompletableFuture<EventAck> removeBot(String chatId, EmuUser operator) {
        EmuChat chat = state.withChat(chatId, c -> {
            requireChat(c, chatId);
            c.botAppIds.remove(defaultApp.appId());
            return c;
        });
        return gateway.publish(
                defaultApp.appId(), EventFactory.botMembership(defaultApp, operator, chat, false, state.now()));
    }

    // ---- people send messages ----

    public Sent sendText(EmuUser user, String chatId, String text, String... mentionOpenIds) {
        StringBuilder prefix = new StringBuilder();
        List<EmuMention> mentions = mentions(mentionOpenIds);
        for (EmuMention m : mentions) {
            prefix.append(m.key()).append(' ');
        }
        ObjectNode content = EmuJson.object().put("text", prefix + text);
        return send(user, chatId, "text", content, null, mentions);
    }

    public Sent sendTextReply(EmuUser user, String chatId, String text, Reply reply) {
        return send(user, chatId, "text", EmuJson.object().put("text", text), reply, List.of());
    }

    /** A rich-text post; {@code content} is the post's {@code {"title", "content": [[…]]}}. */
    public Sent sendPost(EmuUser user, String chatId, ObjectNode post) {
        return send(user, chatId, "post", post, null, List.of());
    }

    public Sent sendImage(EmuUser user, String chatId, byte[] png) {
        EmuResource r =
                state.putResource(new EmuResource(Ids.imageKey(), "image", png, "image.png", null, "image/png"));
        return send(user, chatId, "image", EmuJson.object().put("image_key", r.key()), null, List.of());
    }

    public Sent sendFile(EmuUser user, String chatId, byte[] bytes, String fileName) {
        EmuResource r = state.putResource(
                new EmuResource(Ids.fileKey(), "file", bytes, fileName, "stream", "application/octet-stream"));
        ObjectNode content = EmuJson.object().put("file_key", r.key()).put("file_name", fileName);
        return send(user, chatId, "file", content, null, List.of());
    }

    public Sent sendAudio(EmuUser user, String chatId, byte[] opus, long durationMillis) {
        EmuResource r =
                state.putResource(new EmuResource(Ids.fileKey(), "file", opus, "audio.opus", "opus", "audio/opus"));
        ObjectNode content = EmuJson.object().put("file_key", r.key()).put("duration", durationMillis);
        return send(user, chatId, "audio", content, null, List.of());
    }

    public Sent sendMedia(
            EmuUser user, String chatId, byte[] mp4, byte[] coverPng, String fileName, long durationMillis) {
        EmuResource video =
                state.putResource(new EmuResource(Ids.fileKey(), "file", mp4, fileName, "mp4", "video/mp4"));
        EmuResource cover =
                state.putResource(new EmuResource(Ids.imageKey(), "image", coverPng, "cover.png", null, "image/png"));
        ObjectNode content = EmuJson.object()
                .put("file_key", video.key())
                .put("image_key", cover.key())
                .put("file_name", fileName)
                .put("duration", durationMillis);
        return send(user, chatId, "media", content, null, List.of());
    }

    public Sent sendSticker(EmuUser user, String chatId, String stickerFileKey) {
        return send(user, chatId, "sticker", EmuJson.object().put("file_key", stickerFileKey), null, List.of());
    }

    /** Forwards a card into the chat, as a person sharing a card does. */
    public Sent sendInteractive(EmuUser user, String chatId, ObjectNode card) {
        return send(user, chatId, "interactive", card, null, List.of());
    }

    /** Forwards these messages together into the chat as one merge_forward. */
    public Sent mergeForward(EmuUser user, String chatId, List<String> messageIds) {
        long now = state.nextMessageTime();
        EmuMessage container = new EmuMessage(
                Ids.messageId(),
                null,
                null,
                null,
                "merge_forward",
                dev.larkhandoff.emulator.openapi.Views.MERGE_FORWARD_BODY,
                now,
                now,
                false,
                false,
                chatId,
                chatType(chatId),
                EmuSender.user(user),
                List.of(),
                null);
        state.putMessage(container);
        for (String id : messageIds) {
            copyInto(
                    container.messageId(),
                    state.message(id).orElseThrow(() -> new IllegalArgumentException("no message " + id)));
        }
        return publishMessage(user, container);
    }

    private void copyInto(String upper, EmuMessage original) {
        EmuMessage copy = state.putMessage(original.asChildOf(upper, Ids.messageId()));
        if ("merge_forward".equals(original.msgType())) {
            for (EmuMessage child : state.descendants(original.messageId())) {
                if (original.messageId().equals(child.upperMessageId())) {
                    copyInto(copy.messageId(), child);
                }
            }
        }
    }

    /** Any message type with raw content: the general form behind the helpers above. */
    public Sent send(
            EmuUser user, String chatId, String msgType, ObjectNode content, Reply reply, List<EmuMention> mentions) {
        EmuMessage parent = reply == null
                ? null
                : state.message(reply.parentId())
                        .orElseThrow(() -> new IllegalArgumentException("no parent message " + reply.parentId()));
        String rootId = parent == null ? null : parent.rootId() != null ? parent.rootId() : parent.messageId();
        String threadId = parent == null
                ? null
                : parent.threadId() != null ? parent.threadId() : reply.inThread() ? "omt_" + Ids.hex(8) : null;
        long now = state.nextMessageTime();
        EmuMessage m = new EmuMessage(
                Ids.messageId(),
                rootId,
                parent == null ? null : parent.messageId(),
                threadId,
                msgType,
                EmuJson.write(content),
                now,
                now,
                false,
                false,
                chatId,
                chatType(chatId),
                EmuSender.user(user),
                mentions,
                null);
        state.putMessage(m);
        return publishMessage(user, m);
    }

    private Sent publishMessage(EmuUser user, EmuMessage m) {
        List<String> bots = state.withChat(m.chatId(), c -> {
            requireChat(c, m.chatId());
            if (!c.members.contains(user.openId())) {
                throw new IllegalArgumentException(user.name() + " is not a member of " + m.chatId());
            }
            return List.copyOf(c.botAppIds);
        });
        List<CompletableFuture<EventAck>> deliveries = new ArrayList<>();
        for (String appId : bots) {
            EmuApp app = state.app(appId).orElseThrow();
            deliveries.add(gateway.publish(appId, EventFactory.messageReceived(app, user, m)));
        }
        return new Sent(m, deliveries);
    }

    /** Mentions of users or bots by open_id, keyed {@code @_user_1}, {@code @_user_2} … */
    public List<EmuMention> mentions(String... openIds) {
        List<EmuMention> out = new ArrayList<>();
        for (String id : openIds) {
            String key = "@_user_" + (out.size() + 1);
            Optional<EmuApp> bot = state.appByBotOpenId(id);
            if (bot.isPresent()) {
                out.add(new EmuMention(
                        key, id, "", "", bot.get().name(), bot.get().tenantKey()));
            } else {
                EmuUser u = state.user(id).orElseThrow(() -> new IllegalArgumentException("no user " + id));
                out.add(new EmuMention(key, u.openId(), u.unionId(), u.userId(), u.name(), u.tenantKey()));
            }
        }
        return out;
    }

    public CompletableFuture<EventAck> react(EmuUser user, String messageId, String emojiType) {
        EmuMessage m =
                state.message(messageId).orElseThrow(() -> new IllegalArgumentException("no message " + messageId));
        state.addReaction(messageId, emojiType, user.openId(), "user");
        return gateway.publish(
                defaultApp.appId(),
                EventFactory.reactionCreated(defaultApp, user, m.messageId(), emojiType, state.now()));
    }

    // ---- cards ----

    /** The answer to a card interaction: the app's ack and its {@code {toast, card}} (null when none). */
    public record CardCallback(EventAck ack, JsonNode response) {
        public String toast() {
            return response == null ? null : EmuJson.text(response.path("toast"), "content");
        }
    }

    /** Clicks the button labelled {@code label} on a card the bot sent. */
    public CardCallback clickButton(EmuUser user, String messageId, String label) {
        JsonNode button = Cards.findButton(card(messageId), label)
                .orElseThrow(() -> new IllegalArgumentException("no button '" + label + "' on " + messageId));
        ObjectNode action = EmuJson.object();
        action.set("value", Cards.callbackValue(button));
        action.put("tag", "button");
        if (button.has("name")) {
            action.put("name", button.get("name").asString());
        }
        return interact(user, messageId, action);
    }

    /** Submits the card's form with these field values, through its submit button. */
    public CardCallback submitForm(EmuUser user, String messageId, ObjectNode formValue) {
        JsonNode submit = Cards.findSubmit(card(messageId))
                .orElseThrow(() -> new IllegalArgumentException("no form submit button on " + messageId));
        ObjectNode action = EmuJson.object();
        action.set("value", Cards.callbackValue(submit));
        action.put("tag", "button");
        action.put("name", submit.path("name").asString("submit"));
        action.set("form_value", formValue);
        return interact(user, messageId, action);
    }

    /** Picks an option in a select outside a form. */
    public CardCallback selectOption(EmuUser user, String messageId, String option) {
        ObjectNode action = EmuJson.object();
        action.putObject("value");
        action.put("tag", "select_static");
        action.put("option", option);
        return interact(user, messageId, action);
    }

    /** Sends any card action and applies the card update the app answers with. */
    public CardCallback interact(EmuUser user, String messageId, ObjectNode action) {
        EmuMessage card =
                state.message(messageId).orElseThrow(() -> new IllegalArgumentException("no message " + messageId));
        EventAck ack = gateway.publish(
                        defaultApp.appId(), EventFactory.cardAction(defaultApp, user, card, action, state.now()))
                .join();
        JsonNode response = ack.data();
        if (response != null && response.has("card")) {
            JsonNode data = response.get("card").get("data");
            if (data != null && data.isString()) {
                data = EmuJson.read(data.asString());
            }
            if (data != null && data.isObject()) {
                state.putMessage(card.withContent(EmuJson.write(data), state.now()));
            }
        }
        return new CardCallback(ack, response);
    }

    // ---- reading what the bot did ----

    public List<EmuMessage> messagesIn(String chatId) {
        return state.messagesIn(chatId);
    }

    public List<EmuMessage> botMessages(String chatId) {
        return state.messagesIn(chatId).stream().filter(m -> m.sender().isApp()).toList();
    }

    public Optional<EmuMessage> message(String messageId) {
        return state.message(messageId);
    }

    /** The current JSON of a card message (after every PATCH and callback update). */
    public JsonNode card(String messageId) {
        EmuMessage m =
                state.message(messageId).orElseThrow(() -> new IllegalArgumentException("no message " + messageId));
        if (!"interactive".equals(m.msgType())) {
            throw new IllegalArgumentException(messageId + " is a " + m.msgType() + ", not a card");
        }
        return EmuJson.read(m.content());
    }

    public List<OpenApiServer.CallRecord> calls() {
        return openApi.calls();
    }

    public int tokenFetches() {
        return state.tokenFetches();
    }

    // ---- faults ----

    /** Answers the next {@code times} calls under {@code pathPrefix} with an error Lark could send. */
    public void failNext(String method, String pathPrefix, int httpStatus, int code, String msg, int times) {
        openApi.faults().add(new Faults.Fault(method, pathPrefix, httpStatus, code, msg, null), times);
    }

    /** Answers the next {@code times} calls under {@code pathPrefix} with 429 / 99991400 and this reset. */
    public void rateLimitNext(String pathPrefix, int resetSeconds, int times) {
        openApi.faults()
                .add(
                        new Faults.Fault(
                                null,
                                pathPrefix,
                                429,
                                ApiError.RATE_LIMITED,
                                "request trigger frequency limit",
                                resetSeconds),
                        times);
    }

    public void failCardsV2(int times) {
        messages.failCardsV2(times);
    }

    public void revokeTokens() {
        state.revokeTokens();
    }

    /** WebSocket-level pings to the app's connections; see {@code gateway().websocketPongs()}. */
    public void pingClients() {
        gateway.pingClients(defaultApp.appId());
    }

    public void dropConnections() {
        gateway.dropConnections(defaultApp.appId());
    }

    public void planNext(DeliveryPlan... plans) {
        gateway.planNext(plans);
    }

    public void refuseHandshakes(int status, String msg, int authErrCode, int times) {
        gateway.refuseHandshakes(new LongConnectionGateway.HandshakeRefusal(status, msg, authErrCode), times);
    }

    public void refuseEndpoint(int code, int times) {
        gateway.refuseEndpoint(code, times);
    }

    public void redeliveryDelay(Duration delay) {
        gateway.redeliveryDelay(delay);
    }

    /** Pushes raw bytes as an event payload (invalid JSON, unknown types, oversized blobs). */
    public CompletableFuture<EventAck> pushRawEvent(byte[] payload) {
        return gateway.publishRaw(defaultApp.appId(), "raw-" + Ids.hex(8), payload, false);
    }

    /** Pushes an arbitrary schema 2.0 event of any type to the app. */
    public CompletableFuture<EventAck> pushEvent(String eventType, ObjectNode event) {
        ObjectNode root = EventFactory.envelope(defaultApp, eventType, state.now());
        root.set("event", event);
        return gateway.publish(defaultApp.appId(), root);
    }

    /** Sends raw bytes as one WebSocket binary message (malformed frames). */
    public void sendRawFrame(byte[] bytes) {
        gateway.sendRawFrame(defaultApp.appId(), bytes);
    }

    public LongConnectionGateway gateway() {
        return gateway;
    }

    private String chatType(String chatId) {
        return state.chat(chatId)
                .map(c -> "p2p".equals(c.chatMode) ? "p2p" : "group")
                .orElse("group");
    }

    private static void requireChat(EmuChat c, String chatId) {
        if (c == null) {
            throw new IllegalArgumentException("no chat " + chatId);
        }
    }
}
