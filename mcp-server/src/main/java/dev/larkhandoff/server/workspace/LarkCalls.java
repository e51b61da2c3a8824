package dev.larkhandoff.server.workspace;

import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.server.workspace.WorkspaceException.Problem;
import java.util.Locale;
import java.util.Set;
import reactor.core.publisher.Mono;

/** Runs a Lark call to completion and turns Lark's refusal into a {@link WorkspaceException} that names the chat. */
final class LarkCalls {

    /** Lark's "Operator can NOT be out of the chat" and "Bot is not in the chat". */
    private static final Set<Integer> BOT_NOT_IN_CHAT = Set.of(232011, 230002);
    /** Lark's "chat_id is invalid" and "chat has been dissolved". */
    private static final Set<Integer> NO_SUCH_CHAT = Set.of(232006, 232009);

    private LarkCalls() {}

    /** Blocks on the call; {@code what} says what was being done, for the error. */
    static <T> T call(String what, String chatId, Mono<T> call) {
        try {
            return call.block();
        } catch (LarkException e) {
            throw translate(what, chatId, e);
        }
    }

    static WorkspaceException translate(String what, String chatId, LarkException e) {
        if (chatId != null
                && (e.httpStatus() == 404
                        || NO_SUCH_CHAT.contains(e.code())
                        || BOT_NOT_IN_CHAT.contains(e.code()) && saysMissing(e.larkMsg()))) {
            return new WorkspaceException(
                    Problem.UNKNOWN_CHAT,
                    "Lark knows no chat " + chatId + " (" + what + ": " + e.getMessage() + ")",
                    e);
        }
        if (chatId != null && BOT_NOT_IN_CHAT.contains(e.code())) {
            return new WorkspaceException(
                    Problem.BOT_NOT_IN_CHAT,
                    "the bot is not in chat " + chatId + "; add the bot to the group first (" + what + ": "
                            + e.getMessage() + ")",
                    e);
        }
        return new WorkspaceException(Problem.LARK_ERROR, what + " failed: " + e.getMessage(), e);
    }

    /**
     * Lark answers "not in the chat" codes for chats that do not exist as well (it will not say which chats exist);
     * its message tells the two apart when it says the chat is missing.
     */
    private static boolean saysMissing(String msg) {
        String m = msg.toLowerCase(Locale.ROOT);
        return m.contains("not found") || m.contains("not exist") || m.contains("dissolved");
    }
}
