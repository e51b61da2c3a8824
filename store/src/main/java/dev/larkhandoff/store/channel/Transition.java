package dev.larkhandoff.store.channel;

/** The channel state before and after a change; {@code changed} false means nothing was written or logged. */
public record Transition(ChannelState before, ChannelState after, boolean changed) {

    public boolean ownerChanged() {
        return after.leaseEpoch() != before.leaseEpoch();
    }
}
