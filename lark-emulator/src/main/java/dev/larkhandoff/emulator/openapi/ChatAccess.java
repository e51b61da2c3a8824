package dev.larkhandoff.emulator.openapi;

import dev.larkhandoff.emulator.EmulatorState;
import dev.larkhandoff.emulator.model.EmuChat;
import java.util.function.Function;

/** The rule every chat-scoped endpoint shares: the chat must exist and the calling bot must be in it. */
final class ChatAccess {

    /** Lark's "Operator can NOT be out of the chat": the bot is not a member of the chat it names. */
    static final int OPERATOR_NOT_IN_CHAT = 232011;
    /** Only the chat owner may do this (dissolve, transfer ownership, remove others) [code not confirmed]. */
    static final int NOT_CHAT_OWNER = 232017;

    private ChatAccess() {}

    /** Runs {@code action} on the chat under the state lock, after the existence and membership checks. */
    static <T> T withBotChat(EmulatorState state, ApiCall call, String chatId, Function<EmuChat, T> action) {
        return state.withChat(chatId, chat -> {
            if (chat == null) {
                throw MessageRoutes.chatNotFound(chatId);
            }
            if (!chat.botAppIds.contains(call.app().appId())) {
                throw new ApiError(400, OPERATOR_NOT_IN_CHAT, "Operator can NOT be out of the chat: " + chatId);
            }
            return action.apply(chat);
        });
    }

    /** True when the calling bot owns the chat (it created it without naming a user owner). */
    static boolean ownedByCaller(EmuChat chat, ApiCall call) {
        return "app_id".equals(chat.ownerIdType) && call.app().appId().equals(chat.ownerId);
    }

    static ApiError notOwner(String what) {
        return new ApiError(400, NOT_CHAT_OWNER, "only the chat owner can " + what);
    }
}
