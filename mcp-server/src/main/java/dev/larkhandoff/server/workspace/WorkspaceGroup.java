package dev.larkhandoff.server.workspace;

import dev.larkhandoff.store.handoff.Binding;
import java.util.Objects;

/**
 * A group a handoff can use, and who holds it now.
 *
 * @param binding the session's handoff in this group, or null when the group is idle
 */
public record WorkspaceGroup(String chatId, String name, String description, Binding binding) {

    public WorkspaceGroup {
        Objects.requireNonNull(chatId, "chatId");
        name = name == null ? "" : name;
        description = description == null ? "" : description;
    }

    public boolean active() {
        return binding != null;
    }

    /** The session holding the group, or null when idle. */
    public String holder() {
        return binding == null ? null : binding.sessionId();
    }

    public WorkspaceGroup withBinding(Binding newBinding) {
        return new WorkspaceGroup(chatId, name, description, newBinding);
    }
}
