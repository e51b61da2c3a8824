package dev.larkhandoff.emulator.model;

/** An emoji reaction on a message, by a user or an app. */
public record EmuReaction(
        String reactionId,
        String messageId,
        String emojiType,
        String operatorId,
        String operatorType,
        long actionTime) {}
