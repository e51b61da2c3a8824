package dev.larkhandoff.emulator.openapi;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/** Fixed one-second windows per key, like the gateway's; a refusal says how long until the window resets. */
final class RateWindows {

    private final Clock clock;
    private final Map<String, long[]> windows = new HashMap<>();

    RateWindows(Clock clock) {
        this.clock = clock;
    }

    /** @return 0 when allowed, otherwise milliseconds until the key's window resets */
    synchronized long take(String key, int limit) {
        long now = clock.millis();
        long windowStart = now - (now % 1000);
        long[] w = windows.computeIfAbsent(key, k -> new long[] {windowStart, 0});
        if (w[0] != windowStart) {
            w[0] = windowStart;
            w[1] = 0;
        }
        if (w[1] >= limit) {
            return windowStart + 1000 - now;
        }
        w[1]++;
        return 0;
    }
}
