package dev.larkhandoff.lark.im;

/**
 * A chat as create, list and get return it. Fields a call does not return are null: the listing has no
 * counts or mode, get echoes no id (the client fills it in), create has no counts.
 *
 * @param ownerIdType {@code app_id} when a bot owns the chat, otherwise the requested user id type
 * @param chatMode    {@code group}, {@code topic} or {@code p2p}
 * @param userCount   people in the chat (Lark sends it as a string)
 * @param botCount    bots in the chat (Lark sends it as a string)
 * @param chatStatus  {@code normal}, {@code dissolved} or {@code dissolved_save}
 */
public record Chat(
        String chatId,
        String avatar,
        String name,
        String description,
        String ownerId,
        String ownerIdType,
        String chatMode,
        String chatType,
        String chatTag,
        Boolean external,
        String tenantKey,
        String chatStatus,
        Integer userCount,
        Integer botCount) {

    Chat withChatId(String id) {
        return new Chat(
                id,
                avatar,
                name,
                description,
                ownerId,
                ownerIdType,
                chatMode,
                chatType,
                chatTag,
                external,
                tenantKey,
                chatStatus,
                userCount,
                botCount);
    }
}
