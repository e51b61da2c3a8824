package dev.larkhandoff.emulator.ws;

/**
 * How one event travels: in how many fragments, whether they arrive out of order, and whether the
 * connection is dropped after some of them (a socket lost mid-stream).
 */
public record DeliveryPlan(int fragments, boolean shuffled, int dropAfterFragments, boolean websocketContinuations) {

    public static final DeliveryPlan WHOLE = new DeliveryPlan(1, false, -1, false);

    public DeliveryPlan {
        if (fragments < 1) {
            throw new IllegalArgumentException("fragments must be >= 1");
        }
    }

    public DeliveryPlan(int fragments, boolean shuffled, int dropAfterFragments) {
        this(fragments, shuffled, dropAfterFragments, false);
    }

    /**
     * One whole event frame, but written as a WebSocket message split into a binary frame and continuation
     * frames, as proxies and the platform's own stack may do.
     */
    public static DeliveryPlan splitAcrossWebSocketFrames() {
        return new DeliveryPlan(1, false, -1, true);
    }

    public static DeliveryPlan fragmented(int parts, boolean shuffled) {
        return new DeliveryPlan(parts, shuffled, -1);
    }

    /** Sends {@code sent} of {@code parts} fragments, then drops the socket without a close frame. */
    public static DeliveryPlan droppedMidway(int parts, int sent) {
        return new DeliveryPlan(parts, false, sent);
    }
}
