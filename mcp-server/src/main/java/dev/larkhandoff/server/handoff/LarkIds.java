package dev.larkhandoff.server.handoff;

import java.util.regex.Pattern;

/** Checks that an id handed in by an agent can be a Lark id, so a malformed one is refused by name before any call. */
final class LarkIds {

    private static final Pattern MESSAGE_ID = Pattern.compile("om_[A-Za-z0-9_-]{1,128}");
    private static final Pattern OPEN_ID = Pattern.compile("ou_[A-Za-z0-9_-]{1,128}");
    private static final Pattern RESOURCE_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,255}");

    private LarkIds() {}

    static String messageId(String value, String argument) {
        if (value == null || !MESSAGE_ID.matcher(value).matches()) {
            throw new HandoffException(
                    HandoffException.Problem.INVALID_ARGUMENT,
                    argument + " " + quote(value) + " is not a Lark message id (om_…)");
        }
        return value;
    }

    static String openId(String value, String argument) {
        if (value == null || !OPEN_ID.matcher(value).matches()) {
            throw new HandoffException(
                    HandoffException.Problem.INVALID_ARGUMENT,
                    argument + " " + quote(value) + " is not a Lark open_id (ou_…)");
        }
        return value;
    }

    static String resourceKey(String value, String argument) {
        if (value == null || !RESOURCE_KEY.matcher(value).matches()) {
            throw new HandoffException(
                    HandoffException.Problem.INVALID_ARGUMENT,
                    argument + " " + quote(value) + " is not a Lark resource key (letters, digits, _ and -)");
        }
        return value;
    }

    /** The value as an error message may show it: quoted, control characters escaped, long ones cut. */
    static String quote(String value) {
        if (value == null) {
            return "(missing)";
        }
        StringBuilder sb = new StringBuilder("\"");
        value.codePoints().limit(80).forEach(cp -> {
            if (Character.isISOControl(cp)) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        if (value.codePointCount(0, value.length()) > 80) {
            sb.append('…');
        }
        return sb.append('"').toString();
    }
}
