package dev.larkhandoff.lark.im;

import java.util.List;

/**
 * Lark's message object, as create, reply and get return it.
 *
 * @param createTime     milliseconds since the epoch
 * @param body           {@code body.content} is a JSON string whose shape depends on {@code msgType}
 * @param upperMessageId for a merge_forward's children: the direct parent container
 */
public record Message(
        String messageId,
        String rootId,
        String parentId,
        String threadId,
        String msgType,
        long createTime,
        long updateTime,
        boolean deleted,
        boolean updated,
        String chatId,
        Sender sender,
        Body body,
        List<Mention> mentions,
        String upperMessageId) {

    public Message {
        mentions = mentions == null ? List.of() : List.copyOf(mentions);
    }

    /** Who sent it: {@code idType} is {@code open_id} for people, {@code app_id} for bots. */
    public record Sender(String id, String idType, String senderType, String tenantKey) {}

    /** The content JSON string. */
    public record Body(String content) {}

    /** An @-mention: the {@code @_user_N} key in the text and who it names. */
    public record Mention(String key, String id, String idType, String name, String tenantKey) {}

    /** The raw content JSON string, empty when Lark sent none. */
    public String content() {
        return body == null || body.content() == null ? "" : body.content();
    }

    public boolean sentByApp() {
        return sender != null && "app".equals(sender.senderType());
    }
}
