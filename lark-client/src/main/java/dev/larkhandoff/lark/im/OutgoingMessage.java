package dev.larkhandoff.lark.im;

import dev.larkhandoff.lark.LarkJson;
import java.util.Objects;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** What to send: a {@code msg_type} and its {@code content} JSON string, built by type so it is always well-formed. */
public record OutgoingMessage(String msgType, String content) {

    public OutgoingMessage {
        Objects.requireNonNull(msgType, "msgType");
        Objects.requireNonNull(content, "content");
    }

    /** Plain text; {@code <at user_id="ou_…">Name</at>} mentions someone, {@code <at user_id="all"></at>} everyone. */
    public static OutgoingMessage text(String text) {
        return of("text", LarkJson.object().put("text", text));
    }

    /** Rich text: {@code post} is {@code {"zh_cn": {"title": …, "content": [[…]]}}} or the unwrapped form. */
    public static OutgoingMessage post(JsonNode post) {
        return of("post", post);
    }

    public static OutgoingMessage image(String imageKey) {
        return of("image", LarkJson.object().put("image_key", imageKey));
    }

    public static OutgoingMessage file(String fileKey) {
        return of("file", LarkJson.object().put("file_key", fileKey));
    }

    public static OutgoingMessage audio(String fileKey) {
        return of("audio", LarkJson.object().put("file_key", fileKey));
    }

    public static OutgoingMessage media(String fileKey, String coverImageKey) {
        ObjectNode content = LarkJson.object().put("file_key", fileKey);
        if (coverImageKey != null) {
            content.put("image_key", coverImageKey);
        }
        return of("media", content);
    }

    /** A sticker, by the file key learned from a sticker a person sent (there is no listing API). */
    public static OutgoingMessage sticker(String fileKey) {
        return of("sticker", LarkJson.object().put("file_key", fileKey));
    }

    /** A card (JSON 1.0 or 2.0). */
    public static OutgoingMessage interactive(JsonNode card) {
        return of("interactive", card);
    }

    private static OutgoingMessage of(String type, JsonNode content) {
        return new OutgoingMessage(type, LarkJson.write(content));
    }
}
