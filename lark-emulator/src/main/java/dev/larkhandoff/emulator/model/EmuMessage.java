package dev.larkhandoff.emulator.model;

import java.util.List;

/**
 * A message as Lark stores it. Immutable: edits, card patches and recalls replace the record.
 *
 * @param content        the {@code body.content} JSON string exactly as Lark would return it
 * @param upperMessageId for children of a merge_forward, the direct parent container
 */
public record EmuMessage(
        String messageId,
        String rootId,
        String parentId,
        String threadId,
        String msgType,
        String content,
        long createTime,
        long updateTime,
        boolean deleted,
        boolean updated,
        String chatId,
        String chatType,
        EmuSender sender,
        List<EmuMention> mentions,
        String upperMessageId) {

    public EmuMessage {
        mentions = mentions == null ? List.of() : List.copyOf(mentions);
    }

    public EmuMessage withContent(String newContent, long now) {
        return new EmuMessage(
                messageId,
                rootId,
                parentId,
                threadId,
                msgType,
                newContent,
                createTime,
                now,
                deleted,
                true,
                chatId,
                chatType,
                sender,
                mentions,
                upperMessageId);
    }

    public EmuMessage recalled(long now) {
        return new EmuMessage(
                messageId,
                rootId,
                parentId,
                threadId,
                msgType,
                content,
                createTime,
                now,
                true,
                updated,
                chatId,
                chatType,
                sender,
                mentions,
                upperMessageId);
    }

    public EmuMessage asChildOf(String upper, String newId) {
        return new EmuMessage(
                newId,
                rootId,
                parentId,
                threadId,
                msgType,
                content,
                createTime,
                updateTime,
                deleted,
                updated,
                chatId,
                chatType,
                sender,
                mentions,
                upper);
    }
}
