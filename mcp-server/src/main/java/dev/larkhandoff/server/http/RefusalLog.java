package dev.larkhandoff.server.http;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;

/**
 * Logs refused requests at a bounded rate: any local user can send refusals as fast as the machine allows, and one
 * line each would rotate the log's whole history away within minutes. The first {@code perWindow} refusals of a
 * window are logged one by one; the rest are counted and summed up in one line when the next window opens.
 */
final class RefusalLog {

    static final int PER_MINUTE = 20;

    private final Logger log;
    private final Clock clock;
    private final int perWindow;
    private final Duration window;
    private Instant windowStart;
    private int logged;
    private long suppressed;

    RefusalLog(Logger log, Clock clock, int perWindow, Duration window) {
        this.log = log;
        this.clock = clock;
        this.perWindow = perWindow;
        this.window = window;
    }

    static RefusalLog perMinute(Logger log) {
        return new RefusalLog(log, Clock.systemUTC(), PER_MINUTE, Duration.ofMinutes(1));
    }

    /** Logs {@code format} (SLF4J style, at info) unless this window's share of lines is used up. */
    void refused(String format, Object... args) {
        long dropped;
        boolean write;
        boolean last;
        synchronized (this) {
            Instant now = clock.instant();
            dropped = 0;
            if (windowStart == null || !now.isBefore(windowStart.plus(window))) {
                dropped = suppressed;
                windowStart = now;
                logged = 0;
                suppressed = 0;
            }
            write = logged < perWindow;
            if (write) {
                logged++;
            } else {
                suppressed++;
            }
            last = write && logged == perWindow;
        }
        if (dropped > 0) {
            log.info("refused {} more requests in the previous {} s without logging each", dropped, window.toSeconds());
        }
        if (write) {
            log.info(format, args);
            if (last) {
                log.info("more refusals within {} s are counted, not logged one by one", window.toSeconds());
            }
        }
    }
}
