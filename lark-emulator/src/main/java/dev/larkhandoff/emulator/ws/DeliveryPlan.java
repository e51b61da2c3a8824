package dev.larkhandoff.emulator.ws;

/**
 * How one event travels: in how many fragments, whether they arrive out of order, and whether the
 * connection is dropped after some of them (a socket lost mid-stream).
 */
public record DeliveryPlan(int fragments, boolean shuffled, int dropAfterFragments) {

    public static final DeliveryPlan WHOLE = new DeliveryPlan(1, false, -1);

    public DeliveryPlan {
        if (fragments < 1) {
            throw new IllegalArgumentException("fragments must be >= 1");
        }
    }

    public static DeliveryPlan fragmented(int parts, boolean shuffled) {
        return new DeliveryPlan(parts, shuffled, -1);
    }

    /** Sends {@code sent} of {@code parts} fragments, then drops the socket without a close frame. */
    public static DeliveryPlan droppedMidway(int parts, int sent) {
        return new DeliveryPlan(parts, false, sent);
    }
}
