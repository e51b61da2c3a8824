package dev.larkhandoff.server.workspace;

/** A group that could not be dissolved, and why; it and its local state are left as they were. */
public record DissolveFailure(String chatId, String name, String reason) {}
