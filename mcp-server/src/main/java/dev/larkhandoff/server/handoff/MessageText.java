package dev.larkhandoff.server.handoff;

import dev.larkhandoff.lark.card.CardText;
import dev.larkhandoff.server.ServerJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * What a message says, read from its type and content JSON by these rules: a text as written, a post's title
 * and paragraphs with {@code [image]} where pictures stand, {@code [image]}, {@code [file: name]}, a card's title and
 * text (or {@code [card]}), {@code [merge_forward]}, and {@code [<type> message]} for the rest; plus the resource
 * keys a caller needs to download what the message carries.
 *
 * @param text      never null
 * @param imageKeys the images, in order (a post may hold several)
 * @param fileKey   the file, audio, video or sticker key; null when none
 * @param fileName  the file's name as sent; null when none
 */
public record MessageText(String text, List<String> imageKeys, String fileKey, String fileName) {

    public MessageText {
        text = text == null ? "" : text;
        imageKeys = imageKeys == null ? List.of() : List.copyOf(imageKeys);
        fileKey = blankToNull(fileKey);
        fileName = blankToNull(fileName);
    }

    /** Reads a message of this type; content that is not what its type promises reads as {@code [<type> message]}. */
    public static MessageText of(String msgType, String rawContent) {
        String type = msgType == null || msgType.isBlank() ? "unknown" : msgType;
        if ("merge_forward".equals(type)) {
            // Lark sends the literal "Merged and Forwarded Message" here: the children are fetched separately.
            return plain("[merge_forward]");
        }
        JsonNode c = parse(rawContent);
        if (c == null) {
            return plain(other(type));
        }
        return switch (type) {
            case "text" -> plain(str(c, "text"));
            case "post" -> post(c);
            case "image" -> new MessageText("[image]", keys(str(c, "image_key")), null, null);
            case "file" ->
                new MessageText(
                        "[file: " + str(c, "file_name") + "]", List.of(), str(c, "file_key"), str(c, "file_name"));
            case "audio" -> new MessageText("[audio]", List.of(), str(c, "file_key"), null);
            case "media" ->
                new MessageText(
                        str(c, "file_name").isEmpty() ? "[video]" : "[video: " + str(c, "file_name") + "]",
                        List.of(),
                        str(c, "file_key"),
                        str(c, "file_name"));
            case "sticker" -> new MessageText("[sticker]", List.of(), str(c, "file_key"), null);
            case "interactive" -> plain(card(c));
            case "share_chat" -> plain("[shared chat: " + str(c, "chat_id") + "]");
            case "share_user" -> plain("[shared user: " + str(c, "user_id") + "]");
            case "location" -> plain(str(c, "name").isEmpty() ? "[location]" : "[location: " + str(c, "name") + "]");
            case "system" -> plain(system(c));
            default -> plain(other(type));
        };
    }

    /** The image keys comma-joined, as replies carry them; null when there are none. */
    public String imageKey() {
        return imageKeys.isEmpty() ? null : String.join(",", imageKeys);
    }

    private static MessageText plain(String text) {
        return new MessageText(text, List.of(), null, null);
    }

    private static String other(String type) {
        return "[" + type + " message]";
    }

    private static List<String> keys(String key) {
        return key.isEmpty() ? List.of() : List.of(key);
    }

    /** A post, bare or wrapped in a locale key ({@code zh_cn}, {@code en_us} …). */
    private static MessageText post(JsonNode c) {
        JsonNode post = c;
        if (!c.has("content")) {
            for (Map.Entry<String, JsonNode> locale : c.properties()) {
                if (locale.getValue().isObject() && locale.getValue().has("content")) {
                    post = locale.getValue();
                    break;
                }
            }
        }
        List<String> lines = new ArrayList<>();
        List<String> images = new ArrayList<>();
        String title = str(post, "title");
        if (!title.isBlank()) {
            lines.add(title);
        }
        for (JsonNode paragraph : post.path("content")) {
            StringBuilder line = new StringBuilder();
            for (JsonNode el : paragraph) {
                switch (str(el, "tag")) {
                    case "text", "a", "md", "code_block" -> line.append(str(el, "text"));
                    // Without a name the id is the mention key (@_user_1), which mention stripping recognises.
                    case "at" ->
                        line.append(str(el, "user_name").isEmpty() ? str(el, "user_id") : "@" + str(el, "user_name"));
                    case "img" -> {
                        line.append("[image]");
                        if (!str(el, "image_key").isEmpty()) {
                            images.add(str(el, "image_key"));
                        }
                    }
                    case "media" -> line.append("[video]");
                    case "emotion" ->
                        line.append(':').append(str(el, "emoji_type")).append(':');
                    default -> {}
                }
            }
            lines.add(line.toString());
        }
        String text = String.join("\n", lines).strip();
        return new MessageText(text.isEmpty() ? "[post]" : text, images, null, null);
    }

    /**
     * A card: its title and the text a person reads. Cards the bot sent come back from Lark's read API in a
     * simplified shape (a {@code title} string and {@code elements} as paragraphs of text runs), so both the
     * card JSON and that shape are read.
     */
    private static String card(JsonNode c) {
        CardText card = CardText.of(c);
        String title = card.title().isEmpty() ? str(c, "title") : card.title();
        String body = card.body().isEmpty() ? paragraphs(c.path("elements")) : card.body();
        List<String> parts = new ArrayList<>();
        if (!title.isBlank()) {
            parts.add(title);
        }
        if (!body.isBlank()) {
            parts.add(body);
        }
        return parts.isEmpty() ? "[card]" : String.join("\n", parts);
    }

    private static String paragraphs(JsonNode elements) {
        List<String> lines = new ArrayList<>();
        for (JsonNode paragraph : elements) {
            if (!paragraph.isArray()) {
                continue;
            }
            StringBuilder line = new StringBuilder();
            for (JsonNode run : paragraph) {
                switch (str(run, "tag")) {
                    case "text", "a", "md" -> line.append(str(run, "text"));
                    case "at" -> line.append('@').append(str(run, "user_name"));
                    case "img" -> line.append("[image]");
                    default -> {}
                }
            }
            if (!line.isEmpty()) {
                lines.add(line.toString());
            }
        }
        return String.join("\n", lines);
    }

    /** A system message fills its template ({@code "{from_user} invited {to_chatters}"}) with the names it lists. */
    private static String system(JsonNode c) {
        String template = str(c, "template");
        if (template.isEmpty()) {
            return "[system message]";
        }
        String text = template;
        for (Map.Entry<String, JsonNode> field : c.properties()) {
            if (field.getValue().isArray()) {
                List<String> names = new ArrayList<>();
                field.getValue().forEach(n -> names.add(n.asString("")));
                text = text.replace("{" + field.getKey() + "}", String.join(", ", names));
            }
        }
        return text;
    }

    private static JsonNode parse(String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        try {
            JsonNode node = ServerJson.mapper().readTree(raw);
            return node != null && node.isObject() ? node : null;
        } catch (JacksonException e) {
            return null;
        }
    }

    /** A field as text whatever its JSON type; "" when absent, so callers need no null checks. */
    static String str(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "";
        }
        return v.isValueNode() ? v.asString("") : v.toString();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
