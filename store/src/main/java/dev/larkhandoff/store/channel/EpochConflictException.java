package dev.larkhandoff.store.channel;

import dev.larkhandoff.store.StoreException;

/** A compare-and-set on the channel state lost: the epoch was no longer the one the caller had seen. */
public final class EpochConflictException extends StoreException {

    private final long expectedEpoch;
    private final long actualEpoch;

    public EpochConflictException(long expectedEpoch, long actualEpoch) {
        super("channel state changed meanwhile: expected lease epoch " + expectedEpoch + ", found " + actualEpoch);
        this.expectedEpoch = expectedEpoch;
        this.actualEpoch = actualEpoch;
    }

    public long expectedEpoch() {
        return expectedEpoch;
    }

    public long actualEpoch() {
        return actualEpoch;
    }
}
