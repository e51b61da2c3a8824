package dev.larkhandoff.server.workspace;

/**
 * A group that no longer exists.
 *
 * @param releasedHolder the session whose handoff ended with it (to be told), or null when none held it
 */
public record DissolvedGroup(String chatId, String name, String releasedHolder) {}
