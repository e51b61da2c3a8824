package dev.larkhandoff.server.tool;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What an agent reads about a tool before calling it: name, description and JSON Schema of its arguments (built with
 * {@link ToolSchema}).
 */
public record ToolSpec(String name, String description, Map<String, Object> inputSchema) {

    public ToolSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        inputSchema = Collections.unmodifiableMap(new LinkedHashMap<>(inputSchema));
    }
}
