package dev.larkhandoff.lark.event;

import java.util.List;
import tools.jackson.databind.JsonNode;

/** {@code im.message.receive_v1}: someone sent a message where the bot can see it. */
public record MessageReceived(EventHeader header, Sender sender, Received message, JsonNode raw) implements LarkEvent {

    /** Who sent it: {@code senderType} is {@code user} for people. */
    public record Sender(UserId senderId, String senderType, String tenantKey) {}

    /** An @-mention: the placeholder key in the text and who it names. */
    public record Mention(String key, UserId id, String name, String tenantKey) {}

    /**
     * The message.
     *
     * @param rawContent the {@code content} JSON string as Lark sent it
     * @param content    the same, parsed by {@code messageType}
     */
    public record Received(
            String messageId,
            String rootId,
            String parentId,
            String threadId,
            long createTime,
            long updateTime,
            String chatId,
            String chatType,
            String messageType,
            String rawContent,
            MessageContent content,
            List<Mention> mentions) {

        public Received {
            mentions = mentions == null ? List.of() : List.copyOf(mentions);
        }
    }
}
