package dev.larkhandoff.lark.event;

import tools.jackson.databind.JsonNode;

/** {@code im.message.reaction.created_v1}: someone reacted to a message (the event carries no reaction id). */
public record ReactionCreated(
        EventHeader header,
        String messageId,
        String emojiType,
        String operatorType,
        UserId userId,
        String appId,
        long actionTime,
        JsonNode raw)
        implements LarkEvent {}
