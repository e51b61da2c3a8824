package dev.larkhandoff.lark;

import java.net.URI;
import java.util.Locale;

/** Resolves a Lark domain setting ({@code feishu}, {@code lark} or an explicit URL) to the Open Platform base URL. */
public final class LarkDomain {

    public static final String FEISHU = "https://open.feishu.cn";
    public static final String LARK = "https://open.larksuite.com";

    private LarkDomain() {}

    /**
     * @param setting {@code feishu}, {@code lark}, or an {@code http(s)://host[:port]} URL (such as the emulator)
     * @return the base URL without a trailing slash
     * @throws IllegalArgumentException naming the setting when it is none of these
     */
    public static String baseUrl(String setting) {
        if (setting == null || setting.isBlank()) {
            throw new IllegalArgumentException("Lark domain is empty: use feishu, lark or an http(s) URL");
        }
        String s = setting.trim();
        switch (s.toLowerCase(Locale.ROOT)) {
            case "feishu":
                return FEISHU;
            case "lark":
            case "larksuite":
                return LARK;
            default:
                break;
        }
        URI uri;
        try {
            uri = URI.create(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Lark domain '" + s + "' is not feishu, lark or a valid URL", e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("Lark domain '" + s + "' is not feishu, lark or an http(s) URL");
        }
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
