package dev.larkhandoff.emulator.openapi;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.EmulatorState;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuResource;
import dev.larkhandoff.emulator.model.EmuUser;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code /open-apis/im/v1/chats…}: create, list, get, update and dissolve chats, and their members. */
public final class ChatRoutes implements ApiRoutes {

    private static final String CHATS = "/open-apis/im/v1/chats";
    /** Lark takes at most 50 users or 5 bots in one create or member call. */
    static final int MAX_USERS_PER_CALL = 50;

    static final int MAX_BOTS_PER_CALL = 5;

    private final EmulatorState state;
    /** app id + uuid of a create to the chat it made: Lark creates at most one chat per uuid. */
    private final Map<String, String> createdByUuid = new ConcurrentHashMap<>();

    public ChatRoutes(EmulatorState state) {
        this.state = state;
    }

    @Override
    public void register(ApiRouter r) {
        r.post(CHATS, this::create);
        r.get(CHATS, this::list);
        r.get(CHATS + "/:chat_id", this::get);
        r.put(CHATS + "/:chat_id", this::update);
        r.delete(CHATS + "/:chat_id", this::dissolve);
        r.post(CHATS + "/:chat_id/members", this::addMembers);
        r.delete(CHATS + "/:chat_id/members", this::removeMembers);
        r.get(CHATS + "/:chat_id/members", this::listMembers);
        r.get(CHATS + "/:chat_id/members/is_in_chat", this::isInChat);
    }

    // ---- chats ----

    private ApiResult create(ApiCall call) {
        String idType = UserIds.type(call, "user_id_type", false);
        String uuid = call.query("uuid");
        if (uuid == null || uuid.isEmpty()) {
            return ApiResult.data(created(newChat(call, idType), call, idType));
        }
        String key = call.app().appId() + "/" + uuid;
        synchronized (createdByUuid) {
            String existing = createdByUuid.get(key);
            if (existing != null && state.chat(existing).isPresent()) {
                return ApiResult.data(created(existing, call, idType));
            }
            String chatId = newChat(call, idType);
            createdByUuid.put(key, chatId);
            return ApiResult.data(created(chatId, call, idType));
        }
    }

    /** Validates everything first, so a refused create leaves no half-made chat behind. */
    private String newChat(ApiCall call, String idType) {
        JsonNode body = call.body() == null ? EmuJson.object() : call.requireBody();
        String chatMode = EmuJson.text(body, "chat_mode");
        if (chatMode != null && !"group".equals(chatMode)) {
            throw ApiError.badRequest("chat_mode must be group");
        }
        String chatType = EmuJson.text(body, "chat_type");
        if (chatType != null && !Set.of("private", "public").contains(chatType)) {
            throw ApiError.badRequest("chat_type must be private or public");
        }
        String ownerId = EmuJson.text(body, "owner_id");
        EmuUser owner = null;
        if (ownerId != null && !ownerId.isEmpty()) {
            owner = UserIds.find(state, idType, ownerId)
                    .orElseThrow(() -> ApiError.badRequest("owner_id " + ownerId + " is not a known " + idType));
        }
        List<String> userIds = strings(body, "user_id_list");
        if (userIds.size() > MAX_USERS_PER_CALL) {
            throw ApiError.badRequest("user_id_list takes at most " + MAX_USERS_PER_CALL + " ids");
        }
        List<EmuUser> users = new ArrayList<>();
        for (String id : userIds) {
            users.add(UserIds.find(state, idType, id)
                    .orElseThrow(() -> ApiError.badRequest("user_id_list has an unknown " + idType + ": " + id)));
        }
        List<String> botIds = strings(body, "bot_id_list");
        if (botIds.size() > MAX_BOTS_PER_CALL) {
            throw ApiError.badRequest("bot_id_list takes at most " + MAX_BOTS_PER_CALL + " app ids");
        }
        for (String appId : botIds) {
            if (state.app(appId).isEmpty()) {
                throw ApiError.badRequest("bot_id_list has an unknown app_id: " + appId);
            }
        }
        String avatar = avatarUrl(EmuJson.text(body, "avatar"));
        EmuChat chat = state.createChat(EmuJson.text(body, "name"), EmuJson.text(body, "description"), "group");
        EmuUser finalOwner = owner;
        state.withChat(chat.chatId, c -> {
            if (finalOwner != null) {
                c.ownerId = finalOwner.openId();
                c.ownerIdType = "open_id";
                c.members.add(finalOwner.openId());
            } else {
                // Without owner_id the creating bot owns the chat, which is what lets it dissolve it later.
                c.ownerId = call.app().appId();
                c.ownerIdType = "app_id";
            }
            c.chatType = chatType == null ? "private" : chatType;
            c.avatar = avatar;
            users.forEach(u -> c.members.add(u.openId()));
            c.botAppIds.add(call.app().appId());
            c.botAppIds.addAll(botIds);
            return c;
        });
        return chat.chatId;
    }

    /** The create answer: the chat's fields with its id (no member counts, unlike get). */
    private ObjectNode created(String chatId, ApiCall call, String idType) {
        return state.withChat(chatId, c -> {
            ObjectNode o = info(c, call, idType);
            o.remove("user_count");
            o.remove("bot_count");
            ObjectNode withId = EmuJson.object().put("chat_id", c.chatId);
            withId.setAll(o);
            return withId;
        });
    }

    private ApiResult list(ApiCall call) {
        String idType = UserIds.type(call, "user_id_type", false);
        String sort = call.query("sort_type");
        if (sort != null && !Set.of("ByCreateTimeAsc", "ByActiveTimeDesc").contains(sort)) {
            throw ApiError.badRequest("sort_type must be ByCreateTimeAsc or ByActiveTimeDesc");
        }
        String appId = call.app().appId();
        // p2p chats are left out, as Lark documents for this listing.
        List<ListedChat> chats = new ArrayList<>(state.mapChats(
                c -> c.botAppIds.contains(appId) && !"p2p".equals(c.chatMode),
                c -> new ListedChat(listItem(c, call, idType), lastActive(c))));
        if ("ByActiveTimeDesc".equals(sort)) {
            chats.sort(Comparator.comparingLong(ListedChat::lastActive).reversed());
        }
        return Pages.of(chats, call, ListedChat::view);
    }

    /** A chat as the listing shows it, and when it last saw a message (for ByActiveTimeDesc). */
    private record ListedChat(ObjectNode view, long lastActive) {}

    private long lastActive(EmuChat c) {
        List<EmuMessage> messages = state.messagesIn(c.chatId);
        return messages.isEmpty()
                ? c.createTime
                : Math.max(c.createTime, messages.get(messages.size() - 1).createTime());
    }

    private ObjectNode listItem(EmuChat c, ApiCall call, String idType) {
        ObjectNode o = EmuJson.object();
        o.put("chat_id", c.chatId);
        o.put("avatar", c.avatar == null ? "" : c.avatar);
        o.put("name", c.name);
        o.put("description", c.description);
        o.put("owner_id", ownerId(c, idType));
        o.put("owner_id_type", ownerIdType(c, idType));
        o.put("external", c.external);
        o.put("tenant_key", call.app().tenantKey());
        o.put("chat_status", "normal");
        return o;
    }

    private ApiResult get(ApiCall call) {
        String idType = UserIds.type(call, "user_id_type", false);
        return ApiResult.data(ChatAccess.withBotChat(state, call, call.param("chat_id"), c -> info(c, call, idType)));
    }

    /** {@link Views#chatInfo} with the owner in the asked id type and the app's tenant. */
    private ObjectNode info(EmuChat c, ApiCall call, String idType) {
        ObjectNode o = Views.chatInfo(c);
        o.put("owner_id", ownerId(c, idType));
        o.put("owner_id_type", ownerIdType(c, idType));
        o.put("tenant_key", call.app().tenantKey());
        return o;
    }

    private String ownerId(EmuChat c, String idType) {
        if (c.ownerId == null) {
            return "";
        }
        if ("open_id".equals(c.ownerIdType)) {
            return state.user(c.ownerId).map(u -> UserIds.idOf(u, idType)).orElse(c.ownerId);
        }
        return c.ownerId;
    }

    private static String ownerIdType(EmuChat c, String idType) {
        return "app_id".equals(c.ownerIdType) ? "app_id" : idType;
    }

    private ApiResult update(ApiCall call) {
        String idType = UserIds.type(call, "user_id_type", false);
        JsonNode body = call.requireBody();
        String name = EmuJson.text(body, "name");
        String description = EmuJson.text(body, "description");
        String avatar = avatarUrl(EmuJson.text(body, "avatar"));
        String newOwner = EmuJson.text(body, "owner_id");
        EmuUser owner = newOwner == null || newOwner.isEmpty()
                ? null
                : UserIds.find(state, idType, newOwner)
                        .orElseThrow(() -> ApiError.badRequest("owner_id " + newOwner + " is not a known " + idType));
        ChatAccess.withBotChat(state, call, call.param("chat_id"), c -> {
            if (owner != null) {
                if (!ChatAccess.ownedByCaller(c, call)) {
                    throw ChatAccess.notOwner("transfer ownership");
                }
                if (!c.members.contains(owner.openId())) {
                    throw ApiError.badRequest("the new owner must be a member of the chat");
                }
                c.ownerId = owner.openId();
                c.ownerIdType = "open_id";
            }
            if (name != null) {
                c.name = name;
            }
            if (description != null) {
                c.description = description;
            }
            if (avatar != null) {
                c.avatar = avatar;
            }
            return c;
        });
        return ApiResult.empty();
    }

    /** Lark takes an avatar image key and shows a CDN URL of it; the key must name an uploaded image. */
    private String avatarUrl(String imageKey) {
        if (imageKey == null || imageKey.isEmpty()) {
            return null;
        }
        EmuResource image = state.resource(imageKey)
                .filter(r -> "image".equals(r.kind()))
                .orElseThrow(() -> ApiError.badRequest("avatar is not an uploaded image key: " + imageKey));
        return "https://s1-imfile.feishucdn.com/static-resource/v1/" + image.key() + "~?image_size=72x72";
    }

    private ApiResult dissolve(ApiCall call) {
        String chatId = call.param("chat_id");
        ChatAccess.withBotChat(state, call, chatId, c -> {
            if (!ChatAccess.ownedByCaller(c, call)) {
                throw ChatAccess.notOwner("dissolve the chat");
            }
            state.dissolveChat(chatId);
            return c;
        });
        return ApiResult.empty();
    }

    // ---- members ----

    private ApiResult addMembers(ApiCall call) {
        String idType = UserIds.type(call, "member_id_type", true);
        List<String> ids = idList(call, idType);
        ObjectNode data = ChatAccess.withBotChat(state, call, call.param("chat_id"), c -> {
            List<String> invalid = new ArrayList<>();
            List<String> notExisted = new ArrayList<>();
            for (String id : ids) {
                if (!UserIds.wellFormed(idType, id)) {
                    invalid.add(id);
                } else if ("app_id".equals(idType)) {
                    if (state.app(id).isPresent()) {
                        c.botAppIds.add(id);
                    } else {
                        notExisted.add(id);
                    }
                } else {
                    UserIds.find(state, idType, id)
                            .ifPresentOrElse(u -> c.members.add(u.openId()), () -> notExisted.add(id));
                }
            }
            ObjectNode o = EmuJson.object();
            strings(o.putArray("invalid_id_list"), invalid);
            strings(o.putArray("not_existed_id_list"), notExisted);
            o.putArray("pending_approval_id_list");
            return o;
        });
        return ApiResult.data(data);
    }

    private ApiResult removeMembers(ApiCall call) {
        String idType = UserIds.type(call, "member_id_type", true);
        List<String> ids = idList(call, idType);
        ObjectNode data = ChatAccess.withBotChat(state, call, call.param("chat_id"), c -> {
            boolean onlySelf =
                    "app_id".equals(idType) && ids.stream().allMatch(call.app().appId()::equals);
            if (!onlySelf && !ChatAccess.ownedByCaller(c, call)) {
                // A bot may always leave; removing anyone else is the owner's right.
                throw ChatAccess.notOwner("remove members");
            }
            List<String> invalid = new ArrayList<>();
            for (String id : ids) {
                boolean removed;
                if ("app_id".equals(idType)) {
                    removed = c.botAppIds.remove(id);
                } else {
                    removed = UserIds.find(state, idType, id)
                            .filter(u -> !u.openId().equals(c.ownerId))
                            .map(u -> c.members.remove(u.openId()))
                            .orElse(false);
                }
                if (!removed) {
                    invalid.add(id);
                }
            }
            ObjectNode o = EmuJson.object();
            strings(o.putArray("invalid_id_list"), invalid);
            return o;
        });
        return ApiResult.data(data);
    }

    private ApiResult listMembers(ApiCall call) {
        String idType = UserIds.type(call, "member_id_type", false);
        // Bots are not members in this listing; Lark lists people only.
        List<EmuUser> members = ChatAccess.withBotChat(state, call, call.param("chat_id"), c -> {
            List<EmuUser> out = new ArrayList<>();
            for (String openId : c.members) {
                state.user(openId).ifPresent(out::add);
            }
            return out;
        });
        ObjectNode data = Pages.page(
                members,
                call,
                u -> {
                    ObjectNode o = EmuJson.object();
                    o.put("member_id_type", idType);
                    o.put("member_id", UserIds.idOf(u, idType));
                    o.put("name", u.name());
                    o.put("tenant_key", u.tenantKey());
                    return o;
                },
                "items");
        data.put("member_total", members.size());
        return ApiResult.data(data);
    }

    private ApiResult isInChat(ApiCall call) {
        String chatId = call.param("chat_id");
        boolean in = state.withChat(chatId, c -> {
            if (c == null) {
                throw MessageRoutes.chatNotFound(chatId);
            }
            return c.botAppIds.contains(call.app().appId());
        });
        ObjectNode data = EmuJson.object();
        data.put("is_in_chat", in);
        return ApiResult.data(data);
    }

    private static List<String> idList(ApiCall call, String idType) {
        JsonNode list = call.requireBody().get("id_list");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw ApiError.badRequest("id_list is required");
        }
        int max = "app_id".equals(idType) ? MAX_BOTS_PER_CALL : MAX_USERS_PER_CALL;
        if (list.size() > max) {
            throw ApiError.badRequest("id_list takes at most " + max + " ids of type " + idType);
        }
        return new ArrayList<>(new LinkedHashSet<>(strings(call.body(), "id_list")));
    }

    private static List<String> strings(JsonNode body, String field) {
        List<String> out = new ArrayList<>();
        JsonNode list = body == null ? null : body.get(field);
        if (list == null || list.isNull()) {
            return out;
        }
        if (!list.isArray()) {
            throw ApiError.badRequest(field + " must be an array of strings");
        }
        for (JsonNode v : list) {
            if (!v.isString()) {
                throw ApiError.badRequest(field + " must be an array of strings");
            }
            out.add(v.asString());
        }
        return out;
    }

    private static void strings(ArrayNode target, List<String> values) {
        values.forEach(target::add);
    }
}
