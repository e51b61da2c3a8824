package dev.larkhandoff.store.session;

import java.util.Objects;

/**
 * A registered agent session.
 *
 * @param metadataJson the session's self-reported string bag as a JSON object ({@code teammate_name}, {@code cwd} …)
 * @param daemonId     the daemon it registered with last (several share a team's store); null if never recorded
 */
public record SessionRecord(
        String sessionId,
        Role role,
        String metadataJson,
        DeliveryMode deliveryMode,
        Long pid,
        String clientVersion,
        long firstSeenAt,
        long lastSeenAt,
        boolean connected,
        String daemonId) {

    public SessionRecord {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(deliveryMode, "deliveryMode");
        metadataJson = metadataJson == null ? "{}" : metadataJson;
    }
}
