package dev.larkhandoff.lark.webhook;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** The three headers Lark signs a webhook request with; any of them may be null when absent. */
public record WebhookHeaders(String timestamp, String nonce, String signature) {

    public static final String TIMESTAMP = "X-Lark-Request-Timestamp";
    public static final String NONCE = "X-Lark-Request-Nonce";
    public static final String SIGNATURE = "X-Lark-Signature";

    /** No headers at all. */
    public static WebhookHeaders none() {
        return new WebhookHeaders(null, null, null);
    }

    /** Reads the headers through a lookup such as Netty's {@code HttpHeaders::get} (case-insensitive there). */
    public static WebhookHeaders from(Function<String, String> header) {
        return new WebhookHeaders(header.apply(TIMESTAMP), header.apply(NONCE), header.apply(SIGNATURE));
    }

    /** Reads the headers from a map, ignoring the case of its keys as HTTP does. */
    public static WebhookHeaders fromMap(Map<String, String> headers) {
        return from(name -> {
            String wanted = name.toLowerCase(Locale.ROOT);
            for (Map.Entry<String, String> e : headers.entrySet()) {
                if (e.getKey() != null && e.getKey().toLowerCase(Locale.ROOT).equals(wanted)) {
                    return e.getValue();
                }
            }
            return null;
        });
    }

    boolean complete() {
        return timestamp != null && nonce != null && signature != null;
    }
}
