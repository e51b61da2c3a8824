package dev.larkhandoff.lark.ws;

import java.time.Duration;
import tools.jackson.databind.JsonNode;

/**
 * The connection settings Lark hands out at endpoint discovery and may replace in a pong: all in seconds,
 * {@code reconnectCount} below zero meaning "forever".
 */
public record ClientConfig(
        int reconnectCount, int reconnectIntervalSeconds, int reconnectNonceSeconds, int pingIntervalSeconds) {

    /** What the official SDKs use before Lark says otherwise. */
    public static final ClientConfig DEFAULTS = new ClientConfig(-1, 120, 30, 120);

    public Duration pingInterval() {
        return Duration.ofSeconds(pingIntervalSeconds);
    }

    public Duration reconnectInterval() {
        return Duration.ofSeconds(reconnectIntervalSeconds);
    }

    public Duration reconnectNonce() {
        return Duration.ofSeconds(reconnectNonceSeconds);
    }

    /**
     * Reads a ClientConfig object; a field that is missing, not a number, or (for intervals) not positive keeps
     * the current value, so a sloppy pong can never cause a busy ping loop.
     */
    public ClientConfig mergedWith(JsonNode node) {
        if (node == null || !node.isObject()) {
            return this;
        }
        return new ClientConfig(
                node.path("ReconnectCount").isNumber()
                        ? node.get("ReconnectCount").asInt()
                        : reconnectCount,
                positive(node, "ReconnectInterval", reconnectIntervalSeconds),
                node.path("ReconnectNonce").isNumber()
                                && node.get("ReconnectNonce").asInt() >= 0
                        ? node.get("ReconnectNonce").asInt()
                        : reconnectNonceSeconds,
                positive(node, "PingInterval", pingIntervalSeconds));
    }

    private static int positive(JsonNode node, String field, int fallback) {
        JsonNode v = node.get(field);
        return v != null && v.isNumber() && v.asInt() > 0 ? v.asInt() : fallback;
    }
}
