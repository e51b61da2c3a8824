package dev.larkhandoff.emulator.control;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.emulator.openapi.Views;
import dev.larkhandoff.emulator.ws.DeliveryPlan;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The control API over HTTP/JSON under {@code /_emulator}, for the demo page and tests in other languages.
 * Each endpoint mirrors a method of {@link EmulatorControl}; errors answer 400 with {@code {"error": …}}.
 */
public final class ControlHttpApi {

    public static final String PREFIX = "/_emulator/";

    private final EmulatorControl control;
    private final Map<String, Function<JsonNode, JsonNode>> posts;

    public ControlHttpApi(EmulatorControl control) {
        this.control = control;
        this.posts = Map.ofEntries(
                Map.entry("users", this::addUser),
                Map.entry("groups", this::createGroup),
                Map.entry("messages", this::sendMessage),
                Map.entry("merge_forward", this::mergeForward),
                Map.entry("reactions", this::react),
                Map.entry("cards/click", this::click),
                Map.entry("cards/submit", this::submit),
                Map.entry(
                        "bot/added",
                        b -> ack(control.addBot(req(b, "chat_id"), user(b, "operator"))
                                .join())),
                Map.entry(
                        "bot/removed",
                        b -> ack(control.removeBot(req(b, "chat_id"), user(b, "operator"))
                                .join())),
                Map.entry("chat_messages", b -> messages(control.messagesIn(req(b, "chat_id")))),
                Map.entry("faults/drop", b -> done(control::dropConnections)),
                Map.entry("faults/http", this::httpFault),
                Map.entry(
                        "faults/rate_limit",
                        b -> done(() -> control.rateLimitNext(
                                req(b, "path_prefix"),
                                b.path("reset_seconds").asInt(1),
                                b.path("times").asInt(1)))),
                Map.entry(
                        "faults/handshake",
                        b -> done(() -> control.refuseHandshakes(
                                b.path("status").asInt(514),
                                b.path("msg").asString("refused"),
                                b.path("auth_err_code").asInt(0),
                                b.path("times").asInt(1)))),
                Map.entry(
                        "faults/plan",
                        b -> done(() -> control.planNext(new DeliveryPlan(
                                b.path("fragments").asInt(1),
                                b.path("shuffled").asBoolean(false),
                                b.path("drop_after").asInt(-1))))),
                Map.entry(
                        "faults/card_v2",
                        b -> done(() -> control.failCardsV2(b.path("times").asInt(1)))),
                Map.entry("faults/revoke_tokens", b -> done(control::revokeTokens)),
                Map.entry(
                        "faults/redelivery_delay",
                        b -> done(() -> control.redeliveryDelay(
                                Duration.ofMillis(b.path("millis").asLong(300))))));
    }

    public Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        String op = req.fullPath().substring(PREFIX.length());
        return req.receive()
                .aggregate()
                .asByteArray()
                .defaultIfEmpty(new byte[0])
                .publishOn(Schedulers.boundedElastic())
                .map(bytes -> {
                    if ("GET".equals(req.method().name()) && "app".equals(op)) {
                        return new Object[] {200, app()};
                    }
                    if ("GET".equals(req.method().name()) && "calls".equals(op)) {
                        return new Object[] {200, EmuJson.mapper().valueToTree(control.calls())};
                    }
                    Function<JsonNode, JsonNode> handler = posts.get(op);
                    if (handler == null || !"POST".equals(req.method().name())) {
                        return new Object[] {404, error("unknown control operation " + req.method() + " " + op)};
                    }
                    try {
                        JsonNode body = bytes.length == 0 ? EmuJson.object() : EmuJson.read(bytes);
                        return new Object[] {200, handler.apply(body)};
                    } catch (RuntimeException e) {
                        return new Object[] {400, error(e.getMessage() == null ? e.toString() : e.getMessage())};
                    }
                })
                .flatMap(r -> Mono.from(res.status((Integer) r[0])
                        .header(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8")
                        .sendByteArray(Mono.just(EmuJson.bytes((JsonNode) r[1])))));
    }

    private JsonNode app() {
        ObjectNode o = EmuJson.object();
        o.put("app_id", control.app().appId());
        o.put("app_secret", control.app().appSecret());
        o.put("bot_open_id", control.app().botOpenId());
        o.put("bot_name", control.app().name());
        return o;
    }

    private JsonNode addUser(JsonNode b) {
        EmuUser u = b.has("email") ? control.addUser(req(b, "name"), req(b, "email")) : control.addUser(req(b, "name"));
        ObjectNode o = EmuJson.object();
        o.put("open_id", u.openId());
        o.put("union_id", u.unionId());
        o.put("user_id", u.userId());
        o.put("name", u.name());
        o.put("email", u.email());
        return o;
    }

    private JsonNode createGroup(JsonNode b) {
        List<EmuUser> members = new ArrayList<>();
        for (JsonNode m : b.path("members")) {
            members.add(userById(m.asString()));
        }
        EmuChat chat = control.createGroup(req(b, "name"), user(b, "owner"), members.toArray(EmuUser[]::new));
        return EmuJson.object().put("chat_id", chat.chatId);
    }

    private JsonNode sendMessage(JsonNode b) {
        EmuUser sender = user(b, "sender");
        String chatId = req(b, "chat_id");
        String type = b.path("msg_type").asString("text");
        JsonNode content = b.get("content");
        if (content == null || !content.isObject()) {
            throw new IllegalArgumentException("content must be a JSON object");
        }
        List<String> mentionIds = new ArrayList<>();
        for (JsonNode m : b.path("mentions")) {
            mentionIds.add(m.asString());
        }
        EmulatorControl.Reply reply = b.has("parent_id")
                ? new EmulatorControl.Reply(
                        req(b, "parent_id"), b.path("in_thread").asBoolean(false))
                : null;
        EmulatorControl.Sent sent;
        if ("image".equals(type) && content.has("base64")) {
            sent = control.sendImage(
                    sender,
                    chatId,
                    Base64.getDecoder().decode(content.get("base64").asString()));
        } else if ("file".equals(type) && content.has("base64")) {
            sent = control.sendFile(
                    sender,
                    chatId,
                    Base64.getDecoder().decode(content.get("base64").asString()),
                    content.path("file_name").asString("file.bin"));
        } else {
            sent = control.send(
                    sender,
                    chatId,
                    type,
                    (ObjectNode) content,
                    reply,
                    control.mentions(mentionIds.toArray(String[]::new)));
        }
        return EmuJson.object().put("message_id", sent.messageId());
    }

    private JsonNode mergeForward(JsonNode b) {
        List<String> ids = new ArrayList<>();
        for (JsonNode m : b.path("message_ids")) {
            ids.add(m.asString());
        }
        return EmuJson.object()
                .put(
                        "message_id",
                        control.mergeForward(user(b, "sender"), req(b, "chat_id"), ids)
                                .messageId());
    }

    private JsonNode react(JsonNode b) {
        return ack(control.react(user(b, "user"), req(b, "message_id"), req(b, "emoji_type"))
                .join());
    }

    private JsonNode click(JsonNode b) {
        return callback(control.clickButton(user(b, "user"), req(b, "message_id"), req(b, "label")));
    }

    private JsonNode submit(JsonNode b) {
        JsonNode form = b.get("form_value");
        if (form == null || !form.isObject()) {
            throw new IllegalArgumentException("form_value must be a JSON object");
        }
        return callback(control.submitForm(user(b, "user"), req(b, "message_id"), (ObjectNode) form));
    }

    private JsonNode httpFault(JsonNode b) {
        control.failNext(
                b.has("method") ? b.get("method").asString() : null,
                req(b, "path_prefix"),
                b.path("status").asInt(500),
                b.path("code").asInt(1000040343),
                b.path("msg").asString("injected"),
                b.path("times").asInt(1));
        return EmuJson.object().put("ok", true);
    }

    private static JsonNode callback(EmulatorControl.CardCallback cb) {
        ObjectNode o = EmuJson.object();
        o.put("code", cb.ack().code());
        if (cb.response() != null) {
            o.set("response", cb.response());
        }
        return o;
    }

    private static JsonNode ack(dev.larkhandoff.emulator.ws.EventAck ack) {
        return EmuJson.object()
                .put("event_id", ack.eventId())
                .put("code", ack.code())
                .put("attempts", ack.attempts());
    }

    private static JsonNode messages(List<EmuMessage> list) {
        ArrayNode out = EmuJson.array();
        list.forEach(m -> out.add(Views.message(m)));
        return EmuJson.object().set("items", out);
    }

    private static JsonNode done(Runnable action) {
        action.run();
        return EmuJson.object().put("ok", true);
    }

    private EmuUser user(JsonNode b, String field) {
        return userById(req(b, field));
    }

    private EmuUser userById(String openId) {
        return control.userByOpenId(openId);
    }

    private static String req(JsonNode b, String field) {
        String v = EmuJson.text(b, field);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException(field + " is required");
        }
        return v;
    }

    private static JsonNode error(String message) {
        return EmuJson.object().put("error", message);
    }
}
