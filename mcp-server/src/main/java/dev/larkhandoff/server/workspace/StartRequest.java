package dev.larkhandoff.server.workspace;

import java.util.Objects;

/**
 * A handoff start: who hands off, how the group is picked, and optionally the exact group by name.
 *
 * @param groupName a group's name, matched case-insensitively among the bot's groups the operator is in; null
 *                  lets {@code mode} decide
 */
public record StartRequest(HandoffAgent agent, StartMode mode, String groupName) {

    public StartRequest {
        Objects.requireNonNull(agent, "agent");
        mode = mode == null ? StartMode.DEFAULT : mode;
        groupName = groupName == null || groupName.isBlank() ? null : groupName.strip();
    }

    public static StartRequest of(HandoffAgent agent, StartMode mode) {
        return new StartRequest(agent, mode, null);
    }
}
