package dev.larkhandoff.emulator.openapi;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Errors a test asked the emulator to answer instead of the real thing, each for a number of calls. */
public final class Faults {

    /** Answer the next {@code times} calls whose path starts with {@code pathPrefix} with this error. */
    public record Fault(String method, String pathPrefix, int httpStatus, int code, String msg, Integer resetSeconds) {}

    private static final class Armed {
        final Fault fault;
        int remaining;

        Armed(Fault fault, int remaining) {
            this.fault = fault;
            this.remaining = remaining;
        }
    }

    private final List<Armed> armed = new ArrayList<>();

    public synchronized void add(Fault fault, int times) {
        armed.add(new Armed(fault, times));
    }

    public synchronized void clear() {
        armed.clear();
    }

    /** Takes one use of the first fault matching this call, if any. */
    synchronized Fault take(String method, String path) {
        for (Iterator<Armed> it = armed.iterator(); it.hasNext(); ) {
            Armed a = it.next();
            if ((a.fault.method() == null || a.fault.method().equals(method))
                    && path.startsWith(a.fault.pathPrefix())) {
                if (--a.remaining <= 0) {
                    it.remove();
                }
                return a.fault;
            }
        }
        return null;
    }
}
