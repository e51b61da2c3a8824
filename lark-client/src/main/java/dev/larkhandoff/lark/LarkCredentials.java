package dev.larkhandoff.lark;

import java.util.Objects;

/** A self-built app's credentials. {@link #toString()} never shows the secret. */
public record LarkCredentials(String appId, String appSecret) {

    public LarkCredentials {
        Objects.requireNonNull(appId, "appId");
        Objects.requireNonNull(appSecret, "appSecret");
        if (appId.isBlank()) {
            throw new IllegalArgumentException("Lark app_id is empty");
        }
        if (appSecret.isBlank()) {
            throw new IllegalArgumentException("Lark app_secret is empty");
        }
    }

    @Override
    public String toString() {
        return "LarkCredentials[appId=" + appId + ", appSecret=***]";
    }
}
