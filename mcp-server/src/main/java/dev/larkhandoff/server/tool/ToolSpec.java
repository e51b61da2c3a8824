package dev.larkhandoff.server.tool;

import java.util.Map;
import java.util.Objects;

/** What an agent reads about a tool before calling it: name, description and JSON Schema of its arguments. */
public record ToolSpec(String name, String description, Map<String, Object> inputSchema) {

    public ToolSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        inputSchema = Map.copyOf(inputSchema);
    }

    /** A schema for an object with these properties, of which {@code required} must be present. */
    public static Map<String, Object> objectSchema(Map<String, Object> properties, java.util.List<String> required) {
        return Map.of("type", "object", "properties", properties, "required", required);
    }
}
