package dev.larkhandoff.lark.im;

import dev.larkhandoff.lark.UserIdType;
import java.util.List;

/**
 * What to create: a group with a name and description, optionally a user owner (otherwise the bot owns
 * it), people and other bots to add at once.
 *
 * @param ownerId       the owner, of {@code userIdType}; null leaves the creating bot as owner
 * @param userIds       people to add, of {@code userIdType} (at most 50)
 * @param botIds        app ids of other bots to add (at most 5)
 * @param setBotManager with a user owner, also make the creating bot a chat manager
 */
public record NewChat(
        String name,
        String description,
        String chatMode,
        String ownerId,
        List<String> userIds,
        List<String> botIds,
        UserIdType userIdType,
        boolean setBotManager) {

    public NewChat {
        userIds = userIds == null ? List.of() : List.copyOf(userIds);
        botIds = botIds == null ? List.of() : List.copyOf(botIds);
        userIdType = userIdType == null ? UserIdType.OPEN_ID : userIdType;
    }

    /** A bot-owned group chat; what the handoff creates. */
    public static NewChat group(String name, String description) {
        return new NewChat(name, description, "group", null, List.of(), List.of(), UserIdType.OPEN_ID, false);
    }

    public NewChat withOwner(String id) {
        return new NewChat(name, description, chatMode, id, userIds, botIds, userIdType, setBotManager);
    }

    public NewChat withUsers(List<String> ids) {
        return new NewChat(name, description, chatMode, ownerId, ids, botIds, userIdType, setBotManager);
    }

    public NewChat withBots(List<String> appIds) {
        return new NewChat(name, description, chatMode, ownerId, userIds, appIds, userIdType, setBotManager);
    }

    public NewChat withUserIdType(UserIdType type) {
        return new NewChat(name, description, chatMode, ownerId, userIds, botIds, type, setBotManager);
    }

    public NewChat withBotManager(boolean value) {
        return new NewChat(name, description, chatMode, ownerId, userIds, botIds, userIdType, value);
    }
}
