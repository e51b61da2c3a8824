package dev.larkhandoff.store.chat;

import java.util.Objects;

/** A group's settings, cached from the pinned config card that carries them across machines. */
public record ChatConfig(
        String chatId,
        FilterLevel filterLevel,
        boolean autoapprove,
        String norms,
        String pinnedCardMessageId,
        long cachedAt) {

    public ChatConfig {
        Objects.requireNonNull(chatId, "chatId");
        filterLevel = filterLevel == null ? FilterLevel.CONCISE : filterLevel;
        norms = norms == null ? "" : norms;
    }

    /** The settings of a group nobody has configured. */
    public static ChatConfig defaults(String chatId) {
        return new ChatConfig(chatId, FilterLevel.CONCISE, false, "", null, 0);
    }
}
