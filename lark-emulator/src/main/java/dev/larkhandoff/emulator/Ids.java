package dev.larkhandoff.emulator;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Real-looking Lark identifiers: {@code cli_} + 16 hex for apps, {@code oc_}, {@code om_}, {@code ou_} … for the rest. */
public final class Ids {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private Ids() {}

    public static String hex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HEX.formatHex(b);
    }

    public static String appId() {
        return "cli_" + hex(8);
    }

    public static String appSecret() {
        return hex(16);
    }

    public static String chatId() {
        return "oc_" + hex(16);
    }

    public static String messageId() {
        return "om_" + hex(16);
    }

    public static String openId() {
        return "ou_" + hex(16);
    }

    public static String unionId() {
        return "on_" + hex(16);
    }

    public static String userId() {
        return hex(4);
    }

    public static String imageKey() {
        return "img_v3_" + hex(4) + "_" + uuidLike();
    }

    public static String fileKey() {
        return "file_v3_" + hex(4) + "_" + uuidLike();
    }

    public static String tenantToken() {
        return "t-g" + hex(20);
    }

    public static String eventId() {
        return hex(16);
    }

    public static String reactionId() {
        return "ZCaCIjUBVVWSrm5L-3ZTw" + hex(8);
    }

    public static String tabId() {
        return String.valueOf(7_000_000_000_000_000_000L + (RANDOM.nextLong() & 0xFFFFFFFFFFFFL));
    }

    public static String logId() {
        return "2026" + hex(14).toUpperCase();
    }

    public static String cardToken() {
        return "c-" + hex(20);
    }

    public static String tenantKey() {
        return hex(8);
    }

    private static String uuidLike() {
        String h = hex(16);
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20)
                + "-" + h.substring(20) + "g";
    }
}
