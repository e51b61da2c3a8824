package dev.larkhandoff.store.channel;

/** One row of the ownership audit log. */
public record OwnershipLogEntry(
        long seq,
        String action,
        String callerSessionId,
        String oldOwnerSessionId,
        String newOwnerSessionId,
        long oldEpoch,
        long newEpoch,
        String oldGrantedSessionId,
        String newGrantedSessionId,
        String dispatcherSessionId,
        String reason,
        long changedAt) {}
