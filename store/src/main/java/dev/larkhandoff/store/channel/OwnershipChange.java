package dev.larkhandoff.store.channel;

import java.util.Objects;

/** Why the channel state is being changed, for the audit log: the action, who asked, and a reason. */
public record OwnershipChange(String action, String callerSessionId, String reason) {

    public OwnershipChange {
        Objects.requireNonNull(action, "action");
    }
}
