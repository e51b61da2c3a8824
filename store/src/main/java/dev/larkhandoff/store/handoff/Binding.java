package dev.larkhandoff.store.handoff;

import java.util.Objects;

/**
 * A handoff: this chat talks to this session. One session per chat and one chat per session.
 *
 * @param lastConsumedMessageTime create time (ms) of the newest message the session has taken from the chat
 */
public record Binding(
        String chatId,
        String sessionId,
        String operatorOpenId,
        String botOpenId,
        boolean needMention,
        String model,
        String tool,
        long activatedAt,
        Long lastConsumedMessageTime) {

    public Binding {
        Objects.requireNonNull(chatId, "chatId");
        Objects.requireNonNull(sessionId, "sessionId");
        operatorOpenId = operatorOpenId == null ? "" : operatorOpenId;
        botOpenId = botOpenId == null ? "" : botOpenId;
    }

    /** A new binding of chat and session, activated now (the store stamps the time). */
    public static Binding of(String chatId, String sessionId) {
        return new Binding(chatId, sessionId, "", "", false, null, null, 0, null);
    }

    public Binding withOperator(String operator, String bot) {
        return new Binding(
                chatId, sessionId, operator, bot, needMention, model, tool, activatedAt, lastConsumedMessageTime);
    }

    public Binding withNeedMention(boolean need) {
        return new Binding(
                chatId, sessionId, operatorOpenId, botOpenId, need, model, tool, activatedAt, lastConsumedMessageTime);
    }

    public Binding withAgent(String newModel, String newTool) {
        return new Binding(
                chatId,
                sessionId,
                operatorOpenId,
                botOpenId,
                needMention,
                newModel,
                newTool,
                activatedAt,
                lastConsumedMessageTime);
    }
}
