package dev.larkhandoff.server.session;

import java.util.Map;

/**
 * One stored inbound event pushed to a session: the text the agent reads and the attributes of its channel tag
 * ({@code kind}, {@code chat_id}, {@code message_id}, {@code chat_type}, {@code sender_id}, {@code privilege}).
 * The session acknowledges it by {@code eventId}; until then it stays pending.
 *
 * @param eventId the event's dedupe key, which the acknowledgement names
 * @param content the normalized text ({@code ""} when the event has none)
 * @param meta the channel tag's attributes, in the order they are written
 */
public record Delivery(String eventId, String content, Map<String, String> meta) {

    public Delivery {
        content = content == null ? "" : content;
        meta = meta == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(meta));
    }
}
