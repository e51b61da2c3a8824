package dev.larkhandoff.lark.im;

import dev.larkhandoff.lark.LarkJson;
import dev.larkhandoff.lark.http.ApiRequest;
import dev.larkhandoff.lark.http.LarkHttp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Messages: send, reply, read (with a merge_forward's children), list a chat's history, patch a card,
 * recall, and reactions. Every send carries a {@code uuid}, so Lark deduplicates it and a retry after a
 * 5xx cannot post twice.
 */
public final class MessageApi {

    private static final String MESSAGES = "/open-apis/im/v1/messages";

    private final LarkHttp http;

    public MessageApi(LarkHttp http) {
        this.http = http;
    }

    /** Sends to a chat, counting against that chat's 5/s budget. */
    public Mono<Message> sendToChat(String chatId, OutgoingMessage message) {
        return send(ReceiveIdType.CHAT_ID, chatId, message, null);
    }

    /**
     * Sends a message. {@code uuid} makes the send idempotent for an hour; null generates one, which still
     * makes this call's own retries safe.
     */
    public Mono<Message> send(ReceiveIdType type, String receiveId, OutgoingMessage message, String uuid) {
        ObjectNode body = LarkJson.object()
                .put("receive_id", require(receiveId, "receive_id"))
                .put("msg_type", message.msgType())
                .put("content", message.content())
                .put("uuid", uuid == null ? UUID.randomUUID().toString() : uuid);
        return http.callData(ApiRequest.post(MESSAGES)
                        .query("receive_id_type", type.wire())
                        .json(body)
                        .idempotent(true)
                        .limitChat(type == ReceiveIdType.CHAT_ID ? receiveId : null)
                        .build())
                .map(data -> LarkJson.convert(data, Message.class));
    }

    /** Replies to a message; {@code inThread} opens (or continues) a thread under it. */
    public Mono<Message> reply(String messageId, OutgoingMessage message, boolean inThread, String uuid) {
        ObjectNode body = LarkJson.object()
                .put("msg_type", message.msgType())
                .put("content", message.content())
                .put("reply_in_thread", inThread)
                .put("uuid", uuid == null ? UUID.randomUUID().toString() : uuid);
        return http.callData(ApiRequest.post(MESSAGES + "/:message_id/reply")
                        .pathParam("message_id", messageId)
                        .json(body)
                        .idempotent(true)
                        .build())
                .map(data -> LarkJson.convert(data, Message.class));
    }

    /** One message. For a merge_forward use {@link #getForwarded(String)} to see what it holds. */
    public Mono<Message> get(String messageId) {
        return items(messageId).map(items -> {
            if (items.isEmpty()) {
                throw new dev.larkhandoff.lark.LarkException(
                        0, "message answer has no items", null, 200, "GET " + MESSAGES + "/:message_id");
            }
            return items.get(0);
        });
    }

    /** A merge_forward and its direct children, oldest first (nested forwards appear as their own container). */
    public Mono<MergeForward> getForwarded(String messageId) {
        return items(messageId).map(items -> {
            Message container = items.get(0);
            List<Message> rest = items.subList(1, items.size());
            List<Message> children = new ArrayList<>(rest.stream()
                    .filter(m -> container.messageId().equals(m.upperMessageId()))
                    .sorted(Comparator.comparingLong(Message::createTime))
                    .toList());
            return new MergeForward(container, children, List.copyOf(rest));
        });
    }

    /** A merge_forward: the container, its direct children in time order, and every descendant as Lark listed them. */
    public record MergeForward(Message container, List<Message> children, List<Message> descendants) {
        /** The direct children of a nested container among the descendants. */
        public List<Message> childrenOf(String containerId) {
            return descendants.stream()
                    .filter(m -> containerId.equals(m.upperMessageId()))
                    .sorted(Comparator.comparingLong(Message::createTime))
                    .toList();
        }
    }

    private Mono<List<Message>> items(String messageId) {
        return http.callData(ApiRequest.get(MESSAGES + "/:message_id")
                        .pathParam("message_id", messageId)
                        .build())
                .map(data -> Pages.read(data, "items", Message.class).items());
    }

    /** One page of a chat's history; {@code newestFirst} sorts by create time descending. */
    public Mono<Page<Message>> history(String chatId, boolean newestFirst, int pageSize, String pageToken) {
        return http.callData(ApiRequest.get(MESSAGES)
                        .query("container_id_type", "chat")
                        .query("container_id", require(chatId, "chat_id"))
                        .query("sort_type", newestFirst ? "ByCreateTimeDesc" : "ByCreateTimeAsc")
                        .query("page_size", pageSize)
                        .query("page_token", pageToken)
                        .build())
                .map(data -> Pages.read(data, "items", Message.class));
    }

    /** Replaces a card the bot sent (both old and new card need {@code update_multi}). */
    public Mono<Void> patchCard(String messageId, JsonNode card) {
        return http.callData(ApiRequest.patch(MESSAGES + "/:message_id")
                        .pathParam("message_id", messageId)
                        .json(Map.of("content", LarkJson.write(card)))
                        .build())
                .then();
    }

    /** Recalls (deletes) a message the bot sent. */
    public Mono<Void> recall(String messageId) {
        return http.callData(ApiRequest.delete(MESSAGES + "/:message_id")
                        .pathParam("message_id", messageId)
                        .build())
                .then();
    }

    public Mono<Reaction> addReaction(String messageId, String emojiType) {
        return http.callData(ApiRequest.post(MESSAGES + "/:message_id/reactions")
                        .pathParam("message_id", messageId)
                        .json(Map.of("reaction_type", Map.of("emoji_type", require(emojiType, "emoji_type"))))
                        .build())
                .map(data -> LarkJson.convert(data, Reaction.class));
    }

    /**
     * As {@link #addReaction}, as a spare call: it goes only within the app's spare budget, never in the way of
     * other calls, and errors at once with {@link dev.larkhandoff.lark.LarkException#DROPPED} when that is spent.
     */
    public Mono<Reaction> addReactionIfSpare(String messageId, String emojiType) {
        return http.callData(ApiRequest.post(MESSAGES + "/:message_id/reactions")
                        .pathParam("message_id", messageId)
                        .json(Map.of("reaction_type", Map.of("emoji_type", require(emojiType, "emoji_type"))))
                        .spare()
                        .build())
                .map(data -> LarkJson.convert(data, Reaction.class));
    }

    public Mono<Reaction> deleteReaction(String messageId, String reactionId) {
        return http.callData(ApiRequest.delete(MESSAGES + "/:message_id/reactions/:reaction_id")
                        .pathParam("message_id", messageId)
                        .pathParam("reaction_id", reactionId)
                        .build())
                .map(data -> LarkJson.convert(data, Reaction.class));
    }

    /** Every reaction on a message, optionally of one emoji type. */
    public reactor.core.publisher.Flux<Reaction> reactions(String messageId, String emojiType) {
        return Pages.all(token -> http.callData(ApiRequest.get(MESSAGES + "/:message_id/reactions")
                        .pathParam("message_id", messageId)
                        .query("reaction_type", emojiType)
                        .query("page_size", 50)
                        .query("page_token", token)
                        .build())
                .map(data -> Pages.read(data, "items", Reaction.class)));
    }

    static String require(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }
}
