package dev.larkhandoff.server.workspace;

import dev.larkhandoff.store.handoff.Binding;

/** The result of taking a group over: the compare-and-swap on its holder won or lost. */
public sealed interface TakeoverOutcome {

    /**
     * The session now holds the group.
     *
     * @param previousHolder who held it before, to be told {@code takeover: true}; null when it was free or already
     *                       the caller's
     */
    record TookOver(Binding binding, String previousHolder, GroupSettings settings) implements TakeoverOutcome {}

    /** The group's holder was not the one expected; nothing changed. */
    record Refused(String currentHolder, String expectedHolder) implements TakeoverOutcome {}
}
