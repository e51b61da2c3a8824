package dev.larkhandoff.server.tool;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one builder of tools' input schemas (JSON Schema as maps). Properties keep the order they are added in, so
 * agents read them in a sensible order; {@code required} lists the required ones in the same order.
 *
 * <pre>{@code
 * ToolSchema.object()
 *         .required("chat_id", ToolSchema.string("The chat (oc_…)."))
 *         .optional("message_id", ToolSchema.string("The message answered (om_…)."))
 *         .build()
 * }</pre>
 */
public final class ToolSchema {

    private ToolSchema() {}

    /** An object schema, built property by property. */
    public static ObjectBuilder object() {
        return new ObjectBuilder();
    }

    /** The schema of a tool without arguments. */
    public static Map<String, Object> none() {
        return object().build();
    }

    public static Map<String, Object> string(String description) {
        return schema("type", "string", "description", description);
    }

    public static Map<String, Object> bool(String description) {
        return schema("type", "boolean", "description", description);
    }

    public static Map<String, Object> integer(int min, int max, String description) {
        return schema("type", "integer", "minimum", min, "maximum", max, "description", description);
    }

    /** A string that must be one of {@code values}. */
    public static Map<String, Object> oneOf(String description, String... values) {
        return schema("type", "string", "enum", List.of(values), "description", description);
    }

    /** An array of strings; {@code description} may be null. */
    public static Map<String, Object> stringArray(String description) {
        return array(description, schema("type", "string"));
    }

    /** An array of {@code items}; {@code description} may be null. */
    public static Map<String, Object> array(String description, Map<String, Object> items) {
        return description == null
                ? schema("type", "array", "items", items)
                : schema("type", "array", "items", items, "description", description);
    }

    /** An object of string values under any keys. */
    public static Map<String, Object> stringMap(String description) {
        return schema("type", "object", "additionalProperties", schema("type", "string"), "description", description);
    }

    private static Map<String, Object> schema(Object... keysAndValues) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            out.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(out);
    }

    /** Collects an object's properties in order. */
    public static final class ObjectBuilder {
        private final Map<String, Object> properties = new LinkedHashMap<>();
        private final List<String> required = new ArrayList<>();

        private ObjectBuilder() {}

        public ObjectBuilder required(String name, Map<String, Object> schema) {
            optional(name, schema);
            required.add(name);
            return this;
        }

        public ObjectBuilder optional(String name, Map<String, Object> schema) {
            if (properties.putIfAbsent(name, schema) != null) {
                throw new IllegalStateException("two properties named " + name);
            }
            return this;
        }

        public Map<String, Object> build() {
            return schema(
                    "type",
                    "object",
                    "properties",
                    Collections.unmodifiableMap(new LinkedHashMap<>(properties)),
                    "required",
                    List.copyOf(required));
        }
    }
}
