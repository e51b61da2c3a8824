package dev.larkhandoff.lark.http.internal;

import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * A token bucket one token deep: permits are at least one interval apart, which is what a server counting in
 * fixed one-second windows needs never to see one call too many. Slots are booked ahead (a call waiting for
 * its chat books the app slot at its real start), and a later call may take an earlier free gap, so one busy
 * chat does not hold up the others. Time comes from a monotonic ticker, so a wall-clock step cannot stall or
 * burst it.
 */
public final class TokenBucket {

    private final LongSupplier ticker;
    private long intervalNanos;
    private final TreeSet<Long> booked = new TreeSet<>();

    public TokenBucket(LongSupplier ticker, double permitsPerSecond) {
        this.ticker = ticker;
        this.intervalNanos = intervalOf(permitsPerSecond);
    }

    /** Changes the rate from now on; slots already booked stay where they are. */
    public synchronized void rate(double permitsPerSecond) {
        this.intervalNanos = intervalOf(permitsPerSecond);
    }

    private static long intervalOf(double permitsPerSecond) {
        if (permitsPerSecond <= 0) {
            throw new IllegalArgumentException("permitsPerSecond must be positive");
        }
        return (long) Math.ceil(1e9 / permitsPerSecond);
    }

    /** The earliest tick, not before {@code notBeforeNanos}, at least an interval from every booked slot. */
    public synchronized long earliest(long notBeforeNanos) {
        long now = ticker.getAsLong();
        booked.headSet(now - intervalNanos).clear();
        long t = Math.max(now, notBeforeNanos);
        while (true) {
            Long before = booked.floor(t);
            if (before != null && t - before < intervalNanos) {
                t = before + intervalNanos;
                continue;
            }
            Long after = booked.ceiling(t);
            if (after != null && after - t < intervalNanos) {
                t = after + intervalNanos;
                continue;
            }
            return t;
        }
    }

    /** Books the slot at {@code atNanos}, a value {@link #earliest} just returned. */
    public synchronized void take(long atNanos) {
        booked.add(atNanos);
    }

    /** How many slots are booked later than {@code nowNanos}: calls still waiting for theirs. */
    public synchronized int bookedAfter(long nowNanos) {
        return booked.tailSet(nowNanos, false).size();
    }

    /** True when nothing is booked from {@code nowNanos} on, so an idle per-chat bucket may be dropped. */
    public synchronized boolean idleAt(long nowNanos) {
        return booked.isEmpty() || booked.last() + intervalNanos < nowNanos;
    }
}
