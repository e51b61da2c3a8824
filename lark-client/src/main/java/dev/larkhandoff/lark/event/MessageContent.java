package dev.larkhandoff.lark.event;

import java.util.List;
import tools.jackson.databind.JsonNode;

/** The parsed {@code content} of a received message, one record per message type the product handles. */
public sealed interface MessageContent {

    /** {@code @_user_N} placeholders stand where people were mentioned; see the message's mentions. */
    record Text(String text) implements MessageContent {}

    /** Rich text: title, the paragraphs as Lark sent them, their plain-text reading and embedded image keys. */
    record Post(String title, JsonNode paragraphs, String plainText, List<String> imageKeys)
            implements MessageContent {}

    record Image(String imageKey) implements MessageContent {}

    record File(String fileKey, String fileName) implements MessageContent {}

    record Audio(String fileKey, long durationMillis) implements MessageContent {}

    /** A video with its cover image. */
    record Media(String fileKey, String imageKey, String fileName, long durationMillis) implements MessageContent {}

    record Sticker(String fileKey) implements MessageContent {}

    /** Several forwarded messages; fetch them with {@code MessageApi.getForwarded}. */
    record MergeForward() implements MessageContent {}

    /** A card someone forwarded. */
    record Interactive(JsonNode card) implements MessageContent {}

    /** Any other type (share_chat, share_user, location, todo …), kept raw. */
    record Other(String messageType, String rawContent) implements MessageContent {}
}
