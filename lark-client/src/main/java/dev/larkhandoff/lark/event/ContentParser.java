package dev.larkhandoff.lark.event;

import dev.larkhandoff.lark.LarkJson;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/** Parses a received message's content string by type; content that does not match its type is kept as {@link MessageContent.Other}. */
final class ContentParser {

    private ContentParser() {
    }

    static MessageContent parse(String type, String raw) {
        if ("merge_forward".equals(type)) {
            // Lark sends the literal text "Merged and Forwarded Message" here, not JSON.
            return new MessageContent.MergeForward();
        }
        JsonNode c;
        try {
            c = raw == null || raw.isEmpty() ? LarkJson.object() : LarkJson.read(raw);
        } catch (JacksonException e) {
            return new MessageContent.Other(type, raw);
        }
        return switch (type) {
            case "text" -> new MessageContent.Text(c.path("text").asString(""));
            case "post" -> post(c);
            case "image" -> new MessageContent.Image(c.path("image_key").asString(""));
            case "file" -> new MessageContent.File(c.path("file_key").asString(""), EventDecoder.text(c, "file_name"));
            case "audio" -> new MessageContent.Audio(c.path("file_key").asString(""), c.path("duration").asLong(0));
            case "media" -> new MessageContent.Media(c.path("file_key").asString(""), EventDecoder.text(c, "image_key"),
                    EventDecoder.text(c, "file_name"), c.path("duration").asLong(0));
            case "sticker" -> new MessageContent.Sticker(c.path("file_key").asString(""));
            case "interactive" -> new MessageContent.Interactive(c);
            default -> new MessageContent.Other(type, raw);
        };
    }

    /** A post may arrive wrapped in a locale key ({@code zh_cn}, {@code en_us} …) or bare. */
    private static MessageContent.Post post(JsonNode c) {
        JsonNode post = c;
        if (!c.has("content")) {
            for (JsonNode value : c.values()) {
                if (value.isObject() && value.has("content")) {
                    post = value;
                    break;
                }
            }
        }
        StringBuilder text = new StringBuilder();
        List<String> images = new ArrayList<>();
        for (JsonNode paragraph : post.path("content")) {
            StringBuilder line = new StringBuilder();
            for (JsonNode el : paragraph) {
                String tag = el.path("tag").asString("");
                switch (tag) {
                    case "text", "a", "md", "code_block" -> line.append(el.path("text").asString(""));
                    case "at" -> line.append('@').append(el.path("user_name").asString(el.path("user_id").asString("")));
                    case "img" -> images.add(el.path("image_key").asString(""));
                    case "emotion" -> line.append(':').append(el.path("emoji_type").asString("")).append(':');
                    default -> {
                    }
                }
            }
            if (text.length() > 0) {
                text.append('\n');
            }
            text.append(line);
        }
        return new MessageContent.Post(EventDecoder.text(post, "title"), post.path("content"), text.toString(), images);
    }
}
