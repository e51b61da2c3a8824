package dev.larkhandoff.server.workspace;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.store.chat.FilterLevel;
import dev.larkhandoff.store.chat.MemberRole;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The pinned {@code __handoff_config__} card that carries a group's settings across machines: a grey card 1.0 whose
 * body is the settings as JSON in a fenced block, with the keys ({@code guests}, {@code autoapprove},
 * {@code filter}, {@code rules}) the Python handoff skill writes, so groups it configured read the same.
 */
final class ConfigCard {

    static final String TITLE = "__handoff_config__";
    private static final Set<String> KEYS = Set.of("guests", "autoapprove", "filter", "rules");

    private ConfigCard() {}

    static ObjectNode build(GroupSettings settings) {
        ObjectNode card = ServerJson.mapper().createObjectNode();
        // update_multi lets the card be patched in place, for everyone, when the settings change.
        card.putObject("config").put("update_multi", true).put("wide_screen_mode", true);
        ObjectNode header = card.putObject("header");
        header.putObject("title").put("tag", "plain_text").put("content", TITLE);
        header.put("template", "grey");
        ObjectNode div = card.putArray("elements").addObject().put("tag", "div");
        div.putObject("text").put("tag", "lark_md").put("content", "```json\n" + json(settings) + "\n```");
        return card;
    }

    private static String json(GroupSettings settings) {
        ObjectNode body = ServerJson.mapper().createObjectNode();
        ArrayNode guests = body.putArray("guests");
        for (GroupMember m : settings.members()) {
            guests.addObject()
                    .put("open_id", m.openId())
                    .put("name", m.name())
                    .put("role", m.role().column());
        }
        body.put("autoapprove", settings.autoapprove());
        body.put("filter", settings.filter().column());
        ObjectNode rules = body.putObject("rules");
        settings.norms().forEach(rules::put);
        return ServerJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(body);
    }

    /**
     * The settings a card's content carries, if it is a config card. Lark hands a card back reshaped (its text in
     * nested {@code elements} arrays, the fence sometimes split into lines), so every text of the card is tried,
     * then all of them joined; a JSON object counts only if it has one of the four keys.
     */
    static Optional<GroupSettings> parse(String chatId, String content) {
        JsonNode card;
        try {
            card = ServerJson.mapper().readTree(content);
        } catch (JacksonException e) {
            return Optional.empty();
        }
        List<String> texts = new ArrayList<>();
        collectTexts(card, texts);
        List<String> candidates = new ArrayList<>(texts);
        candidates.add(String.join("\n", texts));
        for (String candidate : candidates) {
            Optional<JsonNode> config = jsonObjectIn(candidate).filter(ConfigCard::hasConfigKey);
            if (config.isPresent()) {
                return Optional.of(settings(chatId, config.get()));
            }
        }
        return Optional.empty();
    }

    private static void collectTexts(JsonNode node, List<String> out) {
        if (node.isObject()) {
            node.properties().forEach(e -> {
                JsonNode v = e.getValue();
                if (v.isString() && ("content".equals(e.getKey()) || "text".equals(e.getKey()))) {
                    out.add(v.asString());
                } else {
                    collectTexts(v, out);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collectTexts(child, out));
        }
    }

    /** The outermost {...} of a text (fenced, "json"-prefixed or bare), if it parses as a JSON object. */
    private static Optional<JsonNode> jsonObjectIn(String text) {
        int start = text.indexOf('{');
        int end = text.lastIndexOf('}');
        if (start < 0 || end <= start) {
            return Optional.empty();
        }
        try {
            JsonNode node = ServerJson.mapper().readTree(text.substring(start, end + 1));
            return node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    private static boolean hasConfigKey(JsonNode node) {
        return KEYS.stream().anyMatch(node::has);
    }

    private static GroupSettings settings(String chatId, JsonNode config) {
        return new GroupSettings(
                chatId,
                filter(config.path("filter").asString("")),
                config.path("autoapprove").asBoolean(false),
                rules(config.path("rules")),
                guests(config.path("guests")));
    }

    private static FilterLevel filter(String value) {
        try {
            return FilterLevel.of(value.strip().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return FilterLevel.CONCISE;
        }
    }

    private static Map<String, String> rules(JsonNode rules) {
        Map<String, String> out = new LinkedHashMap<>();
        if (rules.isString() && !rules.asString().isBlank()) {
            // Older cards kept one norm as a plain string; it reads as the "default" norm.
            out.put("default", rules.asString());
        } else if (rules.isObject()) {
            rules.properties().forEach(e -> {
                if (e.getValue().isString()) {
                    out.put(e.getKey(), e.getValue().asString());
                }
            });
        }
        return out;
    }

    private static List<GroupMember> guests(JsonNode guests) {
        List<GroupMember> out = new ArrayList<>();
        for (JsonNode g : guests) {
            String openId = g.path("open_id").asString("");
            if (openId.isBlank()) {
                continue;
            }
            // A guest written without a role is a guest.
            MemberRole role = "coowner".equals(g.path("role").asString("")) ? MemberRole.COOWNER : MemberRole.GUEST;
            out.add(new GroupMember(openId, g.path("name").asString(""), role));
        }
        return out;
    }
}
