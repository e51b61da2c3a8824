package dev.larkhandoff.server.tool;

import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Whether the tool call running on this thread was cancelled (its client cancelled it, went away, or a newer call
 * replaced it). Waits look at it so a call nobody is listening to stops before it takes a message. Cooperative on
 * purpose: interrupting a thread that writes to a socket channel would close that channel.
 */
public final class Cancellation {

    private static final ThreadLocal<BooleanSupplier> CURRENT = new ThreadLocal<>();

    private Cancellation() {}

    /** Runs {@code body} with {@code cancelled} as this thread's cancellation. */
    public static <T> T run(BooleanSupplier cancelled, Supplier<T> body) {
        BooleanSupplier outer = CURRENT.get();
        CURRENT.set(cancelled);
        try {
            return body.get();
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }

    /** True inside a call that can be cancelled. */
    public static boolean active() {
        return CURRENT.get() != null;
    }

    /** @throws CancellationException when the current call was cancelled */
    public static void check() {
        BooleanSupplier c = CURRENT.get();
        if (c != null && c.getAsBoolean()) {
            throw new CancellationException("the call was cancelled");
        }
    }
}
