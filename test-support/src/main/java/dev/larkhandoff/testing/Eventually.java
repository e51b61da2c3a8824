package dev.larkhandoff.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for something to become true in tests of asynchronous code, failing with what was awaited. */
public final class Eventually {

    /** Long enough for a child JVM or a reconnect on a busy two-core machine. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    private Eventually() {}

    public static void await(BooleanSupplier condition, String what) {
        await(condition, what, DEFAULT_TIMEOUT);
    }

    public static void await(BooleanSupplier condition, String what, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }
}
