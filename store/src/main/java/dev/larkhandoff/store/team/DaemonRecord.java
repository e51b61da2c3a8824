package dev.larkhandoff.store.team;

import java.util.Objects;

/**
 * One daemon of a team as the store knows it: who and where it is, and its lease (alive while {@code leaseUntil} is
 * in the future).
 *
 * @param larkConnection its Lark long connection as it last reported it ({@code connected}, {@code reconnecting},
 *     {@code down}, {@code not configured})
 */
public record DaemonRecord(
        String daemonId,
        String machine,
        String home,
        long pid,
        String version,
        long startedAt,
        long heartbeatAt,
        long leaseUntil,
        String larkConnection) {

    public DaemonRecord {
        Objects.requireNonNull(daemonId, "daemonId");
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(version, "version");
        larkConnection = larkConnection == null ? "down" : larkConnection;
    }

    /** Whether the lease still runs at {@code nowMillis}. */
    public boolean aliveAt(long nowMillis) {
        return leaseUntil > nowMillis;
    }
}
