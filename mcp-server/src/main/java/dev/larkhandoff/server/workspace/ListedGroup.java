package dev.larkhandoff.server.workspace;

import java.util.List;

/**
 * One of the bot's groups in a listing.
 *
 * @param workspaceId the workspace its description names, or null for a group of none
 * @param memberNames the people in it (bots are never listed)
 */
public record ListedGroup(
        String chatId, String name, String description, String workspaceId, List<String> memberNames) {

    public ListedGroup {
        name = name == null ? "" : name;
        description = description == null ? "" : description;
        memberNames = List.copyOf(memberNames);
    }
}
