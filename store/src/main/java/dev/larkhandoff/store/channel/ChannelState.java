package dev.larkhandoff.store.channel;

import java.util.Objects;

/**
 * Who owns channel delivery: the owner, the dispatcher, the one session granted the right to acquire next,
 * and the lease epoch, which grows by exactly one whenever the owner really changes.
 */
public record ChannelState(
        String ownerSessionId, String dispatcherSessionId, String grantedSessionId, long leaseEpoch) {

    public ChannelState withOwner(String owner) {
        return new ChannelState(owner, dispatcherSessionId, grantedSessionId, leaseEpoch);
    }

    public ChannelState withDispatcher(String dispatcher) {
        return new ChannelState(ownerSessionId, dispatcher, grantedSessionId, leaseEpoch);
    }

    public ChannelState withGranted(String granted) {
        return new ChannelState(ownerSessionId, dispatcherSessionId, granted, leaseEpoch);
    }

    /** Same owner, dispatcher and grant (the epoch is the store's to set). */
    boolean sameAs(ChannelState other) {
        return Objects.equals(ownerSessionId, other.ownerSessionId)
                && Objects.equals(dispatcherSessionId, other.dispatcherSessionId)
                && Objects.equals(grantedSessionId, other.grantedSessionId);
    }
}
