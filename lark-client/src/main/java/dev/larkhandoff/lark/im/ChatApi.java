package dev.larkhandoff.lark.im;

import static dev.larkhandoff.lark.im.MessageApi.require;

import dev.larkhandoff.lark.LarkJson;
import dev.larkhandoff.lark.UserIdType;
import dev.larkhandoff.lark.http.ApiRequest;
import dev.larkhandoff.lark.http.LarkHttp;
import java.util.List;
import java.util.UUID;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Chats the bot is in, and their members: create, list, read, update, dissolve; add, remove and list people.
 * A create always carries a {@code uuid}, so a retry after a 5xx cannot make a second chat.
 */
public final class ChatApi {

    private static final String CHATS = "/open-apis/im/v1/chats";
    private static final String MEMBERS = CHATS + "/:chat_id/members";
    /** Lark's largest page for chats and members. */
    public static final int MAX_PAGE_SIZE = 100;
    /** Lark adds or removes at most 50 people per call. */
    public static final int MAX_MEMBERS_PER_CALL = 50;

    private final LarkHttp http;

    public ChatApi(LarkHttp http) {
        this.http = http;
    }

    /** Creates a chat; the bot is in it and owns it unless {@link NewChat#ownerId()} names someone. */
    public Mono<Chat> create(NewChat chat) {
        return create(chat, null);
    }

    /**
     * Creates a chat. Lark makes at most one chat per {@code uuid} within 10 hours; null generates one, which
     * still makes this call's own retries safe.
     */
    public Mono<Chat> create(NewChat chat, String uuid) {
        if (chat == null) {
            throw new IllegalArgumentException("chat is required");
        }
        if (chat.userIds().size() > MAX_MEMBERS_PER_CALL) {
            throw new IllegalArgumentException("user_id_list takes at most " + MAX_MEMBERS_PER_CALL + " ids");
        }
        ObjectNode body = LarkJson.object();
        putIfSet(body, "name", chat.name());
        putIfSet(body, "description", chat.description());
        putIfSet(body, "chat_mode", chat.chatMode());
        putIfSet(body, "owner_id", chat.ownerId());
        if (!chat.userIds().isEmpty()) {
            chat.userIds().forEach(body.putArray("user_id_list")::add);
        }
        if (!chat.botIds().isEmpty()) {
            chat.botIds().forEach(body.putArray("bot_id_list")::add);
        }
        return http.callData(ApiRequest.post(CHATS)
                        .query("user_id_type", chat.userIdType().wire())
                        .query("set_bot_manager", chat.ownerId() != null && chat.setBotManager() ? true : null)
                        .query("uuid", uuid == null ? UUID.randomUUID().toString() : uuid)
                        .json(body)
                        .idempotent(true)
                        .build())
                .map(data -> LarkJson.convert(data, Chat.class));
    }

    /** One page of the group chats the bot is in, oldest first (p2p chats are not listed). */
    public Mono<Page<Chat>> list(int pageSize, String pageToken) {
        return http.callData(ApiRequest.get(CHATS)
                        .query("page_size", pageSize(pageSize))
                        .query("page_token", pageToken)
                        .build())
                .map(data -> Pages.read(data, "items", Chat.class));
    }

    /** Every group chat the bot is in, page after page. */
    public Flux<Chat> listAll() {
        return Pages.all(token -> list(MAX_PAGE_SIZE, token));
    }

    /** A chat's details with member counts; the bot must be in it. */
    public Mono<Chat> get(String chatId) {
        return http.callData(ApiRequest.get(CHATS + "/:chat_id")
                        .pathParam("chat_id", chatId)
                        .build())
                // Lark does not echo the id in this answer, so the client puts it back.
                .map(data -> LarkJson.convert(data, Chat.class).withChatId(chatId));
    }

    /** Changes name, description, avatar or owner; fields left null stay as they are. */
    public Mono<Void> update(String chatId, ChatUpdate update) {
        if (update == null || update.isEmpty()) {
            throw new IllegalArgumentException("update is required and must change something");
        }
        // Built field by field: serialising the record would also send its isEmpty() as "empty".
        ObjectNode body = LarkJson.object();
        putIfSet(body, "name", update.name());
        putIfSet(body, "description", update.description());
        putIfSet(body, "avatar", update.avatar());
        putIfSet(body, "owner_id", update.ownerId());
        return http.callData(ApiRequest.put(CHATS + "/:chat_id")
                        .pathParam("chat_id", chatId)
                        .json(body)
                        .build())
                .then();
    }

    /** Dissolves a chat; Lark allows it only when the bot owns the chat. */
    public Mono<Void> dissolve(String chatId) {
        return http.callData(ApiRequest.delete(CHATS + "/:chat_id")
                        .pathParam("chat_id", chatId)
                        .build())
                .then();
    }

    /** Adds people by open_id. */
    public Mono<MemberChange> addMembers(String chatId, List<String> openIds) {
        return addMembers(chatId, UserIdType.OPEN_ID, openIds);
    }

    /** Adds people (at most 50); ids Lark could not add come back in the answer rather than as an error. */
    public Mono<MemberChange> addMembers(String chatId, UserIdType idType, List<String> ids) {
        return http.callData(ApiRequest.post(MEMBERS)
                        .pathParam("chat_id", chatId)
                        .query("member_id_type", idType.wire())
                        .json(idList(ids))
                        // Adding someone already in the chat changes nothing, so a repeat is harmless.
                        .idempotent(true)
                        .build())
                .map(data -> LarkJson.convert(data, MemberChange.class));
    }

    /** Removes people by open_id. */
    public Mono<MemberChange> removeMembers(String chatId, List<String> openIds) {
        return removeMembers(chatId, UserIdType.OPEN_ID, openIds);
    }

    /** Removes people (at most 50); Lark takes the ids as a JSON body on DELETE. */
    public Mono<MemberChange> removeMembers(String chatId, UserIdType idType, List<String> ids) {
        return http.callData(ApiRequest.delete(MEMBERS)
                        .pathParam("chat_id", chatId)
                        .query("member_id_type", idType.wire())
                        .json(idList(ids))
                        .build())
                .map(data -> LarkJson.convert(data, MemberChange.class));
    }

    /** One page of a chat's people, ids as open_id; bots are not listed. */
    public Mono<MemberPage> members(String chatId, int pageSize, String pageToken) {
        return members(chatId, UserIdType.OPEN_ID, pageSize, pageToken);
    }

    public Mono<MemberPage> members(String chatId, UserIdType idType, int pageSize, String pageToken) {
        return http.callData(ApiRequest.get(MEMBERS)
                        .pathParam("chat_id", chatId)
                        .query("member_id_type", idType.wire())
                        .query("page_size", pageSize(pageSize))
                        .query("page_token", pageToken)
                        .build())
                .map(data -> {
                    Page<ChatMember> page = Pages.read(data, "items", ChatMember.class);
                    return new MemberPage(
                            page.items(),
                            page.hasMore(),
                            page.pageToken(),
                            data.path("member_total").asInt(0));
                });
    }

    /** Every person in the chat, page after page. */
    public Flux<ChatMember> allMembers(String chatId) {
        require(chatId, "chat_id");
        return Pages.all(token -> members(chatId, MAX_PAGE_SIZE, token).map(MemberPage::page));
    }

    private static JsonNode idList(List<String> ids) {
        if (ids == null || ids.isEmpty()) {
            throw new IllegalArgumentException("id_list is required");
        }
        if (ids.size() > MAX_MEMBERS_PER_CALL) {
            throw new IllegalArgumentException("id_list takes at most " + MAX_MEMBERS_PER_CALL + " ids per call");
        }
        ObjectNode body = LarkJson.object();
        ArrayNode list = body.putArray("id_list");
        ids.forEach(id -> list.add(require(id, "id_list[]")));
        return body;
    }

    static int pageSize(int pageSize) {
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("page_size must be between 1 and " + MAX_PAGE_SIZE);
        }
        return pageSize;
    }

    private static void putIfSet(ObjectNode body, String field, String value) {
        if (value != null) {
            body.put(field, value);
        }
    }
}
