package dev.larkhandoff.store.handoff;

/** The outcome of claiming or taking over a chat. */
public sealed interface ClaimResult {

    /** The chat is now bound to the caller; {@code replacedSessionId} is who held it before, if anyone. */
    record Claimed(Binding binding, String replacedSessionId) implements ClaimResult {}

    /** Another session holds the chat (and, for a takeover, it was not the one the caller expected). */
    record Taken(String holderSessionId) implements ClaimResult {}
}
