package dev.larkhandoff.emulator.openapi;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.EmulatorState;
import dev.larkhandoff.emulator.Ids;
import dev.larkhandoff.emulator.model.EmuApp;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMention;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuReaction;
import dev.larkhandoff.emulator.model.EmuResource;
import dev.larkhandoff.emulator.model.EmuSender;
import dev.larkhandoff.emulator.model.EmuUser;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code /open-apis/im/v1/messages…}, reactions, resources and uploads. */
public final class MessageRoutes implements ApiRoutes {

    static final Set<String> SENDABLE = Set.of(
            "text", "post", "image", "file", "audio", "media", "sticker", "interactive", "share_chat", "share_user");
    static final Set<String> FILE_TYPES = Set.of("opus", "mp4", "pdf", "doc", "xls", "ppt", "stream");
    private static final Pattern AT =
            Pattern.compile("<at (?:user_id|id|open_id)=\\\\?\"?([^\"\\\\>]*)\\\\?\"?>([^<]*)</at>");
    private static final int MAX_IMAGE = 10 * 1024 * 1024;
    private static final int MAX_FILE = 30 * 1024 * 1024;

    private final EmulatorState state;
    private final AtomicInteger cardV2Outages = new AtomicInteger();
    /** app id + uuid of a send to the message it created: Lark deduplicates sends by uuid. */
    private final java.util.Map<String, String> sentByUuid = new java.util.concurrent.ConcurrentHashMap<>();

    public MessageRoutes(EmulatorState state) {
        this.state = state;
    }

    /** The next {@code times} sends of a schema 2.0 card fail with 230099, as during a Card V2 outage. */
    public void failCardsV2(int times) {
        cardV2Outages.addAndGet(times);
    }

    @Override
    public void register(ApiRouter r) {
        r.post("/open-apis/im/v1/messages", this::send).sendsTo(this::sendChat);
        r.post("/open-apis/im/v1/messages/:message_id/reply", this::reply).sendsTo(this::replyChat);
        r.get("/open-apis/im/v1/messages", this::list);
        r.get("/open-apis/im/v1/messages/:message_id", this::get);
        r.put("/open-apis/im/v1/messages/:message_id", this::edit);
        r.patch("/open-apis/im/v1/messages/:message_id", this::patchCard);
        r.delete("/open-apis/im/v1/messages/:message_id", this::recall);
        r.post("/open-apis/im/v1/messages/:message_id/reactions", this::addReaction);
        r.get("/open-apis/im/v1/messages/:message_id/reactions", this::listReactions);
        r.delete("/open-apis/im/v1/messages/:message_id/reactions/:reaction_id", this::deleteReaction);
        r.get("/open-apis/im/v1/messages/:message_id/resources/:file_key", this::downloadResource);
        r.post("/open-apis/im/v1/images", this::uploadImage);
        r.post("/open-apis/im/v1/files", this::uploadFile);
        r.get("/open-apis/im/v1/images/:image_key", call -> ownResource(call.param("image_key")));
        r.get("/open-apis/im/v1/files/:file_key", call -> ownResource(call.param("file_key")));
    }

    // ---- sending ----

    private String sendChat(ApiCall call) {
        return "chat_id".equals(call.query("receive_id_type")) && call.body() != null
                ? EmuJson.text(call.body(), "receive_id")
                : null;
    }

    private String replyChat(ApiCall call) {
        return state.message(call.param("message_id")).map(EmuMessage::chatId).orElse(null);
    }

    private ApiResult send(ApiCall call) {
        String idType = call.requireQuery("receive_id_type");
        String receiveId = call.requireText("receive_id");
        EmuChat chat = resolveChat(call.app(), idType, receiveId);
        return deduplicated(call, () -> build(call, chat, null, false));
    }

    private ApiResult reply(ApiCall call) {
        EmuMessage parent = existing(call.param("message_id"));
        EmuChat chat = state.chat(parent.chatId()).orElseThrow(() -> chatNotFound(parent.chatId()));
        boolean inThread = call.requireBody().path("reply_in_thread").asBoolean(false);
        return deduplicated(call, () -> build(call, chat, parent, inThread));
    }

    private ApiResult deduplicated(ApiCall call, java.util.function.Supplier<EmuMessage> create) {
        String uuid = EmuJson.text(call.body(), "uuid");
        if (uuid == null || uuid.isEmpty()) {
            return ApiResult.data(Views.message(state.putMessage(create.get())));
        }
        String key = call.app().appId() + "/" + uuid;
        synchronized (sentByUuid) {
            String existing = sentByUuid.get(key);
            if (existing != null) {
                return ApiResult.data(Views.message(state.message(existing).orElseThrow()));
            }
            EmuMessage m = state.putMessage(create.get());
            sentByUuid.put(key, m.messageId());
            return ApiResult.data(Views.message(m));
        }
    }

    private EmuChat resolveChat(EmuApp app, String idType, String receiveId) {
        switch (idType) {
            case "chat_id" -> {
                EmuChat chat = state.chat(receiveId).orElseThrow(() -> chatNotFound(receiveId));
                requireBotIn(app, chat);
                return chat;
            }
            case "open_id", "union_id", "user_id", "email" -> {
                EmuUser user = ("email".equals(idType) ? state.userByEmail(receiveId) : state.userByAnyId(receiveId))
                        .orElseThrow(() -> ApiError.badRequest("receive_id " + receiveId + " is not a known user"));
                return p2pChat(app, user);
            }
            default ->
                throw ApiError.badRequest("receive_id_type must be chat_id, open_id, union_id, user_id or email");
        }
    }

    /** The bot's p2p chat with this user, created on first use as Lark does. */
    public EmuChat p2pChat(EmuApp app, EmuUser user) {
        for (EmuChat c : state.chats()) {
            if ("p2p".equals(c.chatMode) && c.botAppIds.contains(app.appId()) && c.members.contains(user.openId())) {
                return c;
            }
        }
        EmuChat chat = state.createChat("", "", "p2p");
        state.withChat(chat.chatId, c -> {
            c.members.add(user.openId());
            c.botAppIds.add(app.appId());
            c.chatType = "p2p";
            return c;
        });
        return chat;
    }

    private void requireBotIn(EmuApp app, EmuChat chat) {
        boolean in = state.withChat(chat.chatId, c -> c != null && c.botAppIds.contains(app.appId()));
        if (!in) {
            throw new ApiError(400, ApiError.BOT_NOT_IN_CHAT, "Bot is not in the chat: " + chat.chatId);
        }
    }

    private EmuMessage build(ApiCall call, EmuChat chat, EmuMessage parent, boolean inThread) {
        JsonNode body = call.requireBody();
        String msgType = call.requireText("msg_type");
        if (!SENDABLE.contains(msgType)) {
            throw new ApiError(400, ApiError.MESSAGE_FORMAT, "invalid msg_type: " + msgType);
        }
        String raw = call.requireText("content");
        JsonNode content;
        try {
            content = EmuJson.read(raw);
        } catch (JacksonException e) {
            throw new ApiError(400, ApiError.MESSAGE_FORMAT, "content is not valid JSON: " + e.getOriginalMessage());
        }
        if (!content.isObject()) {
            throw new ApiError(400, ApiError.MESSAGE_FORMAT, "content must be a JSON object");
        }
        List<EmuMention> mentions = new ArrayList<>();
        String stored = normalise(msgType, (ObjectNode) content, mentions);
        String rootId = parent == null ? null : (parent.rootId() != null ? parent.rootId() : parent.messageId());
        String threadId = parent == null
                ? null
                : (parent.threadId() != null ? parent.threadId() : inThread ? "omt_" + Ids.hex(8) : null);
        long now = state.nextMessageTime();
        return new EmuMessage(
                Ids.messageId(),
                rootId,
                parent == null ? null : parent.messageId(),
                threadId,
                msgType,
                stored,
                now,
                now,
                false,
                false,
                chat.chatId,
                "p2p".equals(chat.chatMode) ? "p2p" : "group",
                EmuSender.app(call.app()),
                mentions,
                null);
    }

    /** Validates content per type and stores it the way Lark returns it (mentions as @_user_N). */
    private String normalise(String msgType, ObjectNode content, List<EmuMention> mentions) {
        switch (msgType) {
            case "text" -> {
                String text = requireField(content, "text", msgType);
                Matcher m = AT.matcher(text);
                StringBuilder sb = new StringBuilder();
                while (m.find()) {
                    String id = m.group(1);
                    String key = "all".equals(id) ? "@_all" : "@_user_" + (mentions.size() + 1);
                    if (!"all".equals(id)) {
                        String name = m.group(2).isEmpty()
                                ? state.user(id).map(EmuUser::name).orElse("")
                                : m.group(2);
                        mentions.add(new EmuMention(key, id, null, null, name, ""));
                    }
                    m.appendReplacement(sb, Matcher.quoteReplacement(key));
                }
                m.appendTail(sb);
                return EmuJson.write(EmuJson.object().put("text", sb.toString()));
            }
            case "post" -> {
                JsonNode post = content;
                for (String locale : List.of("zh_cn", "en_us", "ja_jp")) {
                    if (content.has(locale)) {
                        post = content.get(locale);
                        break;
                    }
                }
                if (!post.has("content") || !post.get("content").isArray()) {
                    throw new ApiError(400, ApiError.MESSAGE_FORMAT, "post content needs a content array");
                }
                return EmuJson.write(post);
            }
            case "image" -> {
                String key = requireField(content, "image_key", msgType);
                state.resource(key)
                        .orElseThrow(() -> new ApiError(400, ApiError.MESSAGE_FORMAT, "unknown image_key " + key));
                return EmuJson.write(content);
            }
            case "file", "audio", "media", "sticker" -> {
                String key = requireField(content, "file_key", msgType);
                if (!"sticker".equals(msgType)) {
                    EmuResource r = state.resource(key)
                            .orElseThrow(() -> new ApiError(400, ApiError.MESSAGE_FORMAT, "unknown file_key " + key));
                    if ("file".equals(msgType) && !content.has("file_name") && r.fileName() != null) {
                        content.put("file_name", r.fileName());
                    }
                }
                return EmuJson.write(content);
            }
            case "interactive" -> {
                if ("2.0".equals(EmuJson.text(content, "schema"))
                        && cardV2Outages.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    throw new ApiError(400, ApiError.CARD_CONTENT, "card content failed: schema 2.0 unavailable");
                }
                if (!content.has("elements") && !content.has("body") && !content.has("type")) {
                    throw new ApiError(400, ApiError.CARD_CONTENT, "card has neither elements, body nor template");
                }
                return EmuJson.write(content);
            }
            default -> {
                return EmuJson.write(content);
            }
        }
    }

    private static String requireField(JsonNode content, String field, String msgType) {
        String v = EmuJson.text(content, field);
        if (v == null || v.isEmpty()) {
            throw new ApiError(400, ApiError.MESSAGE_FORMAT, msgType + " content needs " + field);
        }
        return v;
    }

    // ---- reading and changing messages ----

    private ApiResult get(ApiCall call) {
        EmuMessage m = existing(call.param("message_id"));
        ArrayNode items = EmuJson.array();
        items.add(Views.message(m));
        if ("merge_forward".equals(m.msgType())) {
            state.descendants(m.messageId()).stream()
                    .sorted(Comparator.comparing(EmuMessage::createTime))
                    .forEach(child -> items.add(Views.message(child)));
        }
        ObjectNode data = EmuJson.object();
        data.set("items", items);
        return ApiResult.data(data);
    }

    private ApiResult list(ApiCall call) {
        String type = call.requireQuery("container_id_type");
        if (!"chat".equals(type) && !"thread".equals(type)) {
            throw ApiError.badRequest("container_id_type must be chat or thread");
        }
        String container = call.requireQuery("container_id");
        List<EmuMessage> all;
        if ("chat".equals(type)) {
            state.chat(container).orElseThrow(() -> chatNotFound(container));
            all = new ArrayList<>(state.messagesIn(container));
        } else {
            all = new ArrayList<>(state.allMessages().stream()
                    .filter(m -> container.equals(m.threadId()))
                    .toList());
        }
        String start = call.query("start_time");
        String end = call.query("end_time");
        if (start != null) {
            long s = Long.parseLong(start) * 1000;
            all.removeIf(m -> m.createTime() < s);
        }
        if (end != null) {
            long e = Long.parseLong(end) * 1000;
            all.removeIf(m -> m.createTime() > e);
        }
        if ("ByCreateTimeDesc".equals(call.query("sort_type"))) {
            all.sort(Comparator.comparing(EmuMessage::createTime).reversed());
        }
        return Pages.of(all, call, Views::message);
    }

    private ApiResult edit(ApiCall call) {
        EmuMessage m = ownMessage(call);
        String msgType = call.requireText("msg_type");
        if (!msgType.equals(m.msgType()) || !(msgType.equals("text") || msgType.equals("post"))) {
            throw new ApiError(
                    400, ApiError.MESSAGE_FORMAT, "only text and post messages can be edited, keeping their type");
        }
        JsonNode content = EmuJson.read(call.requireText("content"));
        String stored = normalise(msgType, (ObjectNode) content, new ArrayList<>());
        EmuMessage edited = state.putMessage(m.withContent(stored, state.now()));
        return ApiResult.data(Views.message(edited));
    }

    private ApiResult patchCard(ApiCall call) {
        EmuMessage m = ownMessage(call);
        if (!"interactive".equals(m.msgType())) {
            throw new ApiError(400, ApiError.MESSAGE_FORMAT, "only interactive messages can be patched");
        }
        String raw = call.requireText("content");
        JsonNode content;
        try {
            content = EmuJson.read(raw);
        } catch (JacksonException e) {
            throw new ApiError(400, ApiError.CARD_CONTENT, "card content is not valid JSON");
        }
        if (!content.isObject()) {
            throw new ApiError(400, ApiError.CARD_CONTENT, "card content must be a JSON object");
        }
        state.putMessage(m.withContent(EmuJson.write(content), state.now()));
        return ApiResult.empty();
    }

    private ApiResult recall(ApiCall call) {
        EmuMessage m = ownMessage(call);
        state.putMessage(m.recalled(state.now()));
        return ApiResult.empty();
    }

    private EmuMessage ownMessage(ApiCall call) {
        EmuMessage m = existing(call.param("message_id"));
        if (!m.sender().isApp() || !m.sender().id().equals(call.app().appId())) {
            throw new ApiError(400, ApiError.MESSAGE_FORMAT, "the bot can only change its own messages");
        }
        return m;
    }

    private EmuMessage existing(String messageId) {
        EmuMessage m = state.message(messageId)
                .orElseThrow(() -> ApiError.notFound(ApiError.MESSAGE_NOT_FOUND, "message not found: " + messageId));
        if (m.deleted()) {
            throw ApiError.notFound(ApiError.MESSAGE_NOT_FOUND, "message was recalled: " + messageId);
        }
        return m;
    }

    static ApiError chatNotFound(String chatId) {
        return ApiError.notFound(ApiError.CHAT_NOT_FOUND, "chat not found: " + chatId);
    }

    // ---- reactions ----

    private ApiResult addReaction(ApiCall call) {
        EmuMessage m = existing(call.param("message_id"));
        String emoji = EmuJson.text(call.requireBody().path("reaction_type"), "emoji_type");
        if (emoji == null || emoji.isEmpty()) {
            throw ApiError.badRequest("reaction_type.emoji_type is required");
        }
        EmuReaction r = state.addReaction(m.messageId(), emoji, call.app().appId(), "app");
        return ApiResult.data(Views.reaction(r));
    }

    private ApiResult deleteReaction(ApiCall call) {
        String messageId = call.param("message_id");
        existing(messageId);
        EmuReaction r = state.removeReaction(messageId, call.param("reaction_id"))
                .orElseThrow(() -> ApiError.notFound(231003, "reaction not found: " + call.param("reaction_id")));
        return ApiResult.data(Views.reaction(r));
    }

    private ApiResult listReactions(ApiCall call) {
        String messageId = call.param("message_id");
        existing(messageId);
        String type = call.query("reaction_type");
        List<EmuReaction> list = state.reactions(messageId).stream()
                .filter(r -> type == null || type.equals(r.emojiType()))
                .toList();
        return Pages.of(list, call, Views::reaction);
    }

    // ---- resources ----

    private ApiResult downloadResource(ApiCall call) {
        EmuMessage m = existing(call.param("message_id"));
        String key = call.param("file_key");
        String type = call.requireQuery("type");
        if (!"image".equals(type) && !"file".equals(type)) {
            throw ApiError.badRequest("type must be image or file");
        }
        if (m.upperMessageId() != null || "interactive".equals(m.msgType())) {
            throw new ApiError(
                    400,
                    ApiError.RESOURCE_NOT_DOWNLOADABLE,
                    "resources of merge_forward children and cards cannot be downloaded");
        }
        if (!m.content().contains(key)) {
            throw new ApiError(400, ApiError.RESOURCE_NOT_FOUND, "file_key does not belong to the message: " + key);
        }
        EmuResource r = state.resource(key)
                .orElseThrow(() -> new ApiError(400, ApiError.RESOURCE_NOT_FOUND, "resource not found: " + key));
        return new ApiResult.Binary(r.bytes(), r.contentType(), r.fileName());
    }

    private ApiResult ownResource(String key) {
        EmuResource r = state.resource(key)
                .orElseThrow(() -> new ApiError(400, ApiError.RESOURCE_NOT_FOUND, "resource not found: " + key));
        return new ApiResult.Binary(r.bytes(), r.contentType(), r.fileName());
    }

    private ApiResult uploadImage(ApiCall call) {
        FormField imageType = call.form().get("image_type");
        FormField image = call.form().get("image");
        if (imageType == null || !Set.of("message", "avatar").contains(imageType.text())) {
            throw ApiError.badRequest("image_type must be message or avatar");
        }
        // A part without a filename counts too: the official Node SDK uploads a Buffer that way.
        if (image == null || image.bytes().length == 0) {
            throw ApiError.badRequest("image must be a non-empty part");
        }
        if (image.bytes().length > MAX_IMAGE) {
            throw ApiError.badRequest("image is larger than 10 MB");
        }
        EmuResource r = state.putResource(new EmuResource(
                Ids.imageKey(),
                "image",
                image.bytes(),
                image.fileName(),
                null,
                image.contentType() == null ? "image/png" : image.contentType()));
        ObjectNode data = EmuJson.object();
        data.put("image_key", r.key());
        return ApiResult.data(data);
    }

    private ApiResult uploadFile(ApiCall call) {
        FormField fileType = call.form().get("file_type");
        FormField fileName = call.form().get("file_name");
        FormField file = call.form().get("file");
        if (fileType == null || !FILE_TYPES.contains(fileType.text())) {
            throw ApiError.badRequest("file_type must be one of " + FILE_TYPES);
        }
        if (fileName == null || fileName.text().isBlank()) {
            throw ApiError.badRequest("file_name is required");
        }
        if (file == null || file.bytes().length == 0) {
            throw ApiError.badRequest("file must be a non-empty part");
        }
        if (file.bytes().length > MAX_FILE) {
            throw ApiError.badRequest("file is larger than 30 MB");
        }
        EmuResource r = state.putResource(new EmuResource(
                Ids.fileKey(),
                "file",
                file.bytes(),
                fileName.text(),
                fileType.text(),
                file.contentType() == null ? "application/octet-stream" : file.contentType()));
        ObjectNode data = EmuJson.object();
        data.put("file_key", r.key());
        return ApiResult.data(data);
    }
}
