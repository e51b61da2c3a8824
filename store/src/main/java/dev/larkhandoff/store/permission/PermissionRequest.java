package dev.larkhandoff.store.permission;

/** A tool-permission question put to a chat, and its answer once there is one. */
public record PermissionRequest(
        String requestId,
        String sessionId,
        String chatId,
        String toolName,
        String description,
        String cardMessageId,
        RequestState state,
        Decision decision,
        String decidedByOpenId,
        long createdAt,
        Long decidedAt) {}
