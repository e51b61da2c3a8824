package dev.larkhandoff.server.workspace;

import dev.larkhandoff.store.chat.MemberRole;
import java.util.Objects;

/** A guest (may talk to the agent) or coowner (may also approve) of a group, besides the operator. */
public record GroupMember(String openId, String name, MemberRole role) {

    public GroupMember {
        if (openId == null || openId.isBlank()) {
            throw new WorkspaceException(WorkspaceException.Problem.BAD_ARGUMENT, "a member needs an open_id");
        }
        name = name == null ? "" : name;
        role = Objects.requireNonNullElse(role, MemberRole.GUEST);
    }

    public GroupMember withRole(MemberRole newRole) {
        return new GroupMember(openId, name, newRole);
    }
}
