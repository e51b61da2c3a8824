package dev.larkhandoff.lark.im;

/**
 * A pinned message of a chat.
 *
 * @param operatorIdType {@code app_id} when a bot pinned it, otherwise a user id type
 * @param createTime     when it was pinned, milliseconds since the epoch
 */
public record Pin(String messageId, String chatId, String operatorId, String operatorIdType, long createTime) {}
