package dev.larkhandoff.server.workspace;

/**
 * A settings change: what it changed, the settings now in force, and whether they also reached the group's pinned
 * card. When Lark could not be written, the change still applies on this machine and {@code unsyncedReason} says why
 * it will not follow the group elsewhere.
 *
 * @param change what this write changed (its type depends on the operation; see each method)
 */
public record ConfigWrite<T>(T change, GroupSettings settings, String unsyncedReason) {

    public boolean syncedToGroup() {
        return unsyncedReason == null;
    }
}
