package dev.larkhandoff.lark.http;

import java.time.Clock;
import java.time.Duration;

/**
 * A token bucket that hands out reservations: each call takes one permit now or in the future and
 * says how long the caller must wait for it. Waiting callers keep their place, so order is fair.
 */
public final class TokenBucket {

    private final Clock clock;
    private final double permitsPerNano;
    private final double capacity;
    private double available;
    private long lastRefillNanos;

    /**
     * @param permitsPerSecond sustained rate
     * @param capacity         largest burst; 1 spaces calls evenly, which is what a server counting in fixed
     *                         one-second windows needs to never see one call too many
     */
    public TokenBucket(Clock clock, double permitsPerSecond, int capacity) {
        if (permitsPerSecond <= 0 || capacity < 1) {
            throw new IllegalArgumentException("permitsPerSecond and capacity must be positive");
        }
        this.clock = clock;
        this.permitsPerNano = permitsPerSecond / 1e9;
        this.capacity = capacity;
        this.available = capacity;
        this.lastRefillNanos = nowNanos();
    }

    /**
     * Reserves one permit unless the wait for it would exceed {@code maxWait}.
     *
     * @return the wait before the permit may be used, or null (nothing reserved) when it would be longer
     */
    public synchronized Duration reserve(Duration maxWait) {
        refill();
        double deficit = 1.0 - available;
        long waitNanos = deficit <= 0 ? 0 : (long) Math.ceil(deficit / permitsPerNano);
        if (waitNanos > maxWait.toNanos()) {
            return null;
        }
        available -= 1.0;
        return Duration.ofNanos(waitNanos);
    }

    /** Last time a permit was reserved or refilled, for evicting idle per-chat buckets. */
    synchronized long lastActivityNanos() {
        return lastRefillNanos;
    }

    private void refill() {
        long now = nowNanos();
        long elapsed = now - lastRefillNanos;
        if (elapsed > 0) {
            available = Math.min(capacity, available + elapsed * permitsPerNano);
            lastRefillNanos = now;
        }
    }

    private long nowNanos() {
        var instant = clock.instant();
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }
}
