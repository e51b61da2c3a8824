package dev.larkhandoff.server.workspace;

import dev.larkhandoff.store.handoff.Binding;
import java.util.List;

/** What a handoff start did: bound the session to a group, found it already bound, or needs the caller to choose. */
public sealed interface StartOutcome {

    /**
     * The session now holds this group.
     *
     * @param created  the group was made for this start
     * @param settings the group's config, freshly read from its pinned card
     */
    record Ready(WorkspaceGroup group, boolean created, GroupSettings settings) implements StartOutcome {

        public Binding binding() {
            return group.binding();
        }
    }

    /** The session already holds a group; nothing changed. */
    record AlreadyActive(Binding binding) implements StartOutcome {}

    /**
     * Every candidate group is held by another session; taking one over is the caller's choice
     * ({@link GroupDirectory#takeover}).
     */
    record Choose(List<WorkspaceGroup> occupied) implements StartOutcome {

        public Choose {
            occupied = List.copyOf(occupied);
        }
    }
}
