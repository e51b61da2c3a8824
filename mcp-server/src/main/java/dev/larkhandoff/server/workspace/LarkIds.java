package dev.larkhandoff.server.workspace;

import java.util.regex.Pattern;

/**
 * The one check of ids an agent hands in (chats, messages, users, resource keys): each must look like a Lark id
 * before it goes into a URL path or a store key, so a malformed one is refused by name and nothing is asked of Lark.
 * Every refusal reads the same way: {@code <argument> "<value>" is not a Lark <kind> (<what it should be>)}.
 */
public final class LarkIds {

    /** {@code oc_} starts every Lark chat id; no slash, space, {@code ?} or {@code %}: it goes into URL paths. */
    private static final Pattern CHAT_ID = Pattern.compile("oc_[A-Za-z0-9._:@-]{1,125}");

    private static final Pattern MESSAGE_ID = Pattern.compile("om_[A-Za-z0-9_-]{1,128}");
    private static final Pattern OPEN_ID = Pattern.compile("ou_[A-Za-z0-9_-]{1,128}");
    private static final Pattern RESOURCE_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,255}");
    /** How much of a bad value an error repeats: a hostile argument must not flood the message. */
    private static final int SHOWN = 80;

    private LarkIds() {}

    /** The chat id of argument {@code chat_id} when it is well-formed. */
    public static String chatId(String value) {
        return chatId(value, "chat_id");
    }

    /** The chat id when it is well-formed; otherwise a {@link WorkspaceException.Problem#BAD_LARK_ID} naming it. */
    public static String chatId(String value, String argument) {
        return require(value, argument, CHAT_ID, "chat id (oc_ then letters, digits or ._:@-, at most 128 characters)");
    }

    public static String messageId(String value, String argument) {
        return require(value, argument, MESSAGE_ID, "message id (om_…)");
    }

    public static String openId(String value, String argument) {
        return require(value, argument, OPEN_ID, "open_id (ou_…)");
    }

    public static String resourceKey(String value, String argument) {
        return require(value, argument, RESOURCE_KEY, "resource key (letters, digits, _ and -)");
    }

    /** Whether {@code value} is a well-formed chat id (for callers that skip rather than refuse). */
    public static boolean isChatId(String value) {
        return value != null && CHAT_ID.matcher(value).matches();
    }

    private static String require(String value, String argument, Pattern pattern, String kind) {
        if (value == null || value.isBlank()) {
            throw new WorkspaceException(WorkspaceException.Problem.BAD_LARK_ID, argument + " is required");
        }
        if (!pattern.matcher(value).matches()) {
            throw new WorkspaceException(
                    WorkspaceException.Problem.BAD_LARK_ID, argument + " " + quote(value) + " is not a Lark " + kind);
        }
        return value;
    }

    /** The value as an error message may show it: quoted, control characters escaped, long ones cut. */
    public static String quote(String value) {
        if (value == null) {
            return "(missing)";
        }
        StringBuilder sb = new StringBuilder("\"");
        value.codePoints().limit(SHOWN).forEach(cp -> {
            if (Character.isISOControl(cp)) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        if (value.codePointCount(0, value.length()) > SHOWN) {
            sb.append('…');
        }
        return sb.append('"').toString();
    }
}
