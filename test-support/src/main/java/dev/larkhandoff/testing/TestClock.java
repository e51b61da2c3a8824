package dev.larkhandoff.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The clock tests move by hand, so TTLs, back-offs and expiries never depend on the wall clock. It stands still
 * unless advanced; {@link #followingRealTime()} gives one that runs with real time plus what the test advanced, for
 * code that also waits for real time to pass (a rate bucket refilling).
 */
public final class TestClock extends Clock {

    /** Where a standing clock starts unless the test says otherwise. */
    public static final Instant DEFAULT_START = Instant.parse("2026-11-22T00:00:00Z");

    private final boolean followsRealTime;
    private final Instant start;
    private volatile Duration advanced = Duration.ZERO;

    private TestClock(Instant start, boolean followsRealTime) {
        this.start = start;
        this.followsRealTime = followsRealTime;
    }

    /** A clock standing at {@link #DEFAULT_START}. */
    public TestClock() {
        this(DEFAULT_START, false);
    }

    /** A clock standing at {@code start}. */
    public static TestClock at(Instant start) {
        return new TestClock(start, false);
    }

    /** A clock at real time plus whatever the test has advanced it by. */
    public static TestClock followingRealTime() {
        return new TestClock(null, true);
    }

    public void advance(Duration by) {
        advanced = advanced.plus(by);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return (followsRealTime ? Instant.now() : start).plus(advanced);
    }
}
