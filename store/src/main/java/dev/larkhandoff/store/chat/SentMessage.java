package dev.larkhandoff.store.chat;

/** A message the bot sent; {@code kind} tells cards apart ({@code message}, {@code working_card}, {@code permission} …). */
public record SentMessage(
        String messageId, String chatId, String sessionId, String kind, String title, String text, long sentAt) {}
