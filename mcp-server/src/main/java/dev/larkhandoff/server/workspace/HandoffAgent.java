package dev.larkhandoff.server.workspace;

/**
 * The agent session that hands its conversation to a group: its session id, and the model and tool shown in the
 * group (status card, chat tab).
 *
 * @param model the model with any provider prefix up to a {@code /} dropped ({@code opencode/k2p5} is {@code k2p5})
 * @param tool  {@code Claude Code}, {@code OpenCode} …; may be null
 */
public record HandoffAgent(String sessionId, String model, String tool) {

    public HandoffAgent {
        if (sessionId == null || sessionId.isBlank()) {
            throw new WorkspaceException(WorkspaceException.Problem.BAD_ARGUMENT, "session id is required");
        }
        model = displayModel(model);
    }

    /** The model as a group shows it: whatever follows the last {@code /}, or null when there is none. */
    public static String displayModel(String model) {
        if (model == null || model.isBlank()) {
            return null;
        }
        String stripped = model.strip();
        return stripped.substring(stripped.lastIndexOf('/') + 1);
    }
}
