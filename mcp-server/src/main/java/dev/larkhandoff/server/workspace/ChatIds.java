package dev.larkhandoff.server.workspace;

import java.util.regex.Pattern;

/** Checks chat ids before they reach Lark: {@code oc_} then letters, digits and {@code ._:@-}, at most 128 in all. */
public final class ChatIds {

    /** No slash, space, {@code ?} or {@code %}: the id goes into URL paths. {@code oc_} starts every Lark chat id. */
    private static final Pattern CHAT_ID = Pattern.compile("oc_[A-Za-z0-9._:@-]{1,125}");
    /** How much of a bad id an error repeats; a hostile argument must not flood the message. */
    private static final int SHOWN = 64;

    private ChatIds() {}

    /** The id itself when it is well-formed; otherwise a {@link WorkspaceException.Problem#BAD_CHAT_ID} naming it. */
    public static String require(String chatId) {
        if (chatId == null || chatId.isBlank()) {
            throw new WorkspaceException(WorkspaceException.Problem.BAD_CHAT_ID, "chat_id is required");
        }
        if (!CHAT_ID.matcher(chatId).matches()) {
            throw new WorkspaceException(
                    WorkspaceException.Problem.BAD_CHAT_ID,
                    "chat_id '" + shown(chatId)
                            + "' is not a Lark chat id: expected oc_ followed by letters, digits or ._:@- (at most 128 characters)");
        }
        return chatId;
    }

    public static boolean isValid(String chatId) {
        return chatId != null && CHAT_ID.matcher(chatId).matches();
    }

    private static String shown(String value) {
        String oneLine = value.replaceAll("\\p{Cntrl}", "?");
        return oneLine.length() <= SHOWN ? oneLine : oneLine.substring(0, SHOWN) + "…";
    }
}
