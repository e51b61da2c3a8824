package dev.larkhandoff.lark.event;

import dev.larkhandoff.lark.LarkJson;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/** Parses a received message's content string by type; content that does not match its type is kept as {@link MessageContent.Other}. */
final class ContentParser {

    private ContentParser() {}

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
            case "text" -> new MessageContent.Text(str(c, "text"));
            case "post" -> post(c);
            case "image" -> new MessageContent.Image(str(c, "image_key"));
            case "file" -> new MessageContent.File(str(c, "file_key"), EventDecoder.text(c, "file_name"));
            case "audio" -> new MessageContent.Audio(str(c, "file_key"), number(c, "duration"));
            case "media" ->
                new MessageContent.Media(
                        str(c, "file_key"),
                        EventDecoder.text(c, "image_key"),
                        EventDecoder.text(c, "file_name"),
                        number(c, "duration"));
            case "sticker" -> new MessageContent.Sticker(str(c, "file_key"));
            case "interactive" -> new MessageContent.Interactive(c);
            default -> new MessageContent.Other(type, raw);
        };
    }

    private static String str(JsonNode c, String field) {
        String v = EventDecoder.text(c, field);
        return v == null ? "" : v;
    }

    private static long number(JsonNode c, String field) {
        try {
            return Long.parseLong(str(c, field).trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** A post may arrive wrapped in a locale key ({@code zh_cn}, {@code en_us} …) or bare. */
    private static MessageContent.Post post(JsonNode c) {
        JsonNode post = c;
        if (!c.isObject()) {
            return new MessageContent.Post(null, c, "", List.of());
        }
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
                String tag = str(el, "tag");
                switch (tag) {
                    case "text", "a", "md", "code_block" -> line.append(str(el, "text"));
                    case "at" ->
                        line.append('@')
                                .append(str(el, "user_name").isEmpty() ? str(el, "user_id") : str(el, "user_name"));
                    case "img" -> images.add(str(el, "image_key"));
                    case "emotion" ->
                        line.append(':').append(str(el, "emoji_type")).append(':');
                    default -> {}
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
