package dev.larkhandoff.store.inbox;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An inbound Lark event to store. {@code dedupeKey} identifies it across Lark's redeliveries: the event id,
 * else the message id, else a digest of where, when and what.
 */
public record InboxEvent(
        String dedupeKey,
        String eventId,
        String eventType,
        String messageId,
        String chatId,
        String chatType,
        String senderOpenId,
        String senderType,
        String messageType,
        String rawPayload,
        String normalizedText,
        Long larkCreateTime,
        String targetSessionId) {

    public InboxEvent {
        Objects.requireNonNull(dedupeKey, "dedupeKey");
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(rawPayload, "rawPayload");
        if (dedupeKey.isBlank()) {
            throw new IllegalArgumentException("dedupeKey is empty");
        }
    }

    /** The dedupe key of an event: {@code event:<id>}, else {@code message:<id>}, else a digest. */
    public static String dedupeKey(String eventId, String messageId, String chatId, Long createTime, String payload) {
        if (eventId != null && !eventId.isBlank()) {
            return "event:" + eventId;
        }
        if (messageId != null && !messageId.isBlank()) {
            return "message:" + messageId;
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(String.valueOf(chatId).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(String.valueOf(createTime).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(payload.getBytes(StandardCharsets.UTF_8));
            return "digest:" + HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** An event with only what every event has; the rest can be added with the withers. */
    public static InboxEvent of(String eventId, String eventType, String rawPayload) {
        return new InboxEvent(
                dedupeKey(eventId, null, null, null, rawPayload),
                eventId,
                eventType,
                null,
                null,
                null,
                null,
                null,
                null,
                rawPayload,
                null,
                null,
                null);
    }

    /** Adds the message fields of an {@code im.message.receive_v1} event. */
    public InboxEvent withMessage(
            String newMessageId,
            String newChatId,
            String newChatType,
            String newSenderOpenId,
            String newSenderType,
            String newMessageType,
            String newNormalizedText,
            Long newCreateTime) {
        String key = eventId == null ? dedupeKey(null, newMessageId, newChatId, newCreateTime, rawPayload) : dedupeKey;
        return new InboxEvent(
                key,
                eventId,
                eventType,
                newMessageId,
                newChatId,
                newChatType,
                newSenderOpenId,
                newSenderType,
                newMessageType,
                rawPayload,
                newNormalizedText,
                newCreateTime,
                targetSessionId);
    }

    /** The event placed in a chat it does not name itself (a reaction, placed by the message it reacts to). */
    public InboxEvent withChatId(String newChatId) {
        return new InboxEvent(
                dedupeKey,
                eventId,
                eventType,
                messageId,
                newChatId,
                chatType,
                senderOpenId,
                senderType,
                messageType,
                rawPayload,
                normalizedText,
                larkCreateTime,
                targetSessionId);
    }

    public InboxEvent withTarget(String sessionId) {
        return new InboxEvent(
                dedupeKey,
                eventId,
                eventType,
                messageId,
                chatId,
                chatType,
                senderOpenId,
                senderType,
                messageType,
                rawPayload,
                normalizedText,
                larkCreateTime,
                sessionId);
    }
}
