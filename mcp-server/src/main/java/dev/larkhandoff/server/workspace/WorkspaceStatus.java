package dev.larkhandoff.server.workspace;

import java.util.List;
import java.util.Objects;

/**
 * The handoff summary of a workspace: its groups, each active (held, and by whom) or idle.
 *
 * @param currentSessionId the asking session, marked {@code [current]} in {@link #text()}; may be null
 */
public record WorkspaceStatus(Workspace workspace, List<WorkspaceGroup> groups, String currentSessionId) {

    public WorkspaceStatus {
        Objects.requireNonNull(workspace, "workspace");
        groups = List.copyOf(groups);
    }

    /** The pretty layout: the workspace, the count, then one line per group with its holder indented. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append("Workspace: ").append(workspace.id()).append('\n');
        sb.append("Groups: ").append(groups.size()).append('\n');
        for (WorkspaceGroup g : groups) {
            sb.append("- ").append(g.name());
            if (currentSessionId != null && currentSessionId.equals(g.holder())) {
                sb.append(" [current]");
            }
            sb.append(g.active() ? " (active)" : " (idle)").append('\n');
            sb.append("    chat_id: ").append(g.chatId()).append('\n');
            if (g.active()) {
                sb.append("    session: ").append(g.holder()).append('\n');
                if (g.binding().model() != null) {
                    sb.append("    model: ").append(g.binding().model()).append('\n');
                }
                if (g.binding().tool() != null) {
                    sb.append("    tool: ").append(g.binding().tool()).append('\n');
                }
            }
        }
        return sb.toString();
    }
}
