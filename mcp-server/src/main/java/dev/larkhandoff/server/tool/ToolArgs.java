package dev.larkhandoff.server.tool;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A tool call's arguments, read at the tool's edge: each accessor returns the typed value or throws {@link Invalid}
 * naming the argument, in one shape for every tool ({@code missing or empty required argument: chat_id},
 * {@code argument text must be a string}, …). Blank strings count as absent. {@link ToolCatalog#call} answers an
 * {@code Invalid} with its message alone.
 */
public final class ToolArgs {

    /** A missing or ill-typed argument; the message names it and is the whole text the agent reads. */
    public static final class Invalid extends IllegalArgumentException {
        Invalid(String message) {
            super(message);
        }
    }

    private final Map<String, Object> map;
    private final String path;

    public ToolArgs(Map<String, Object> map) {
        this(map, "");
    }

    private ToolArgs(Map<String, Object> map, String path) {
        this.map = map == null ? Map.of() : map;
        this.path = path;
    }

    /** A required string. */
    public String string(String name) {
        String v = optionalString(name);
        if (v == null) {
            throw new Invalid("missing or empty required argument: " + path + name);
        }
        return v;
    }

    /** An optional string; null when absent or blank. */
    public String optionalString(String name) {
        Object v = map.get(name);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw invalid(name, "must be a string");
        }
        return s.isBlank() ? null : s;
    }

    /** An optional boolean; null when absent. The strings {@code "true"} and {@code "false"} are read as such. */
    public Boolean optionalBool(String name) {
        Object v = map.get(name);
        if (v == null || v instanceof Boolean) {
            return (Boolean) v;
        }
        if ("true".equals(v) || "false".equals(v)) {
            return Boolean.valueOf((String) v);
        }
        throw invalid(name, "must be true or false, got " + v);
    }

    /** An optional flag: true only when given as true. */
    public boolean bool(String name) {
        return Boolean.TRUE.equals(optionalBool(name));
    }

    /** A whole number from {@code min} to {@code max}, or {@code fallback} when absent. */
    public int integer(String name, int fallback, int min, int max) {
        Integer v = optionalInteger(name, min, max);
        return v == null ? fallback : v;
    }

    /** A whole number from {@code min} to {@code max}; null when absent. */
    public Integer optionalInteger(String name, int min, int max) {
        Object v = map.get(name);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Number n)
                || n.doubleValue() != Math.floor(n.doubleValue())
                || n.longValue() < min
                || n.longValue() > max) {
            throw invalid(name, "must be a whole number from " + min + " to " + max + ", got " + v);
        }
        return n.intValue();
    }

    /** An array of strings; empty when absent. */
    public List<String> stringList(String name) {
        Object v = map.get(name);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list) || list.stream().anyMatch(x -> !(x instanceof String))) {
            throw invalid(name, "must be an array of strings");
        }
        return list.stream().map(String.class::cast).toList();
    }

    /** An array of objects, each read as arguments of its own (errors name {@code name[i].key}); empty when absent. */
    public List<ToolArgs> objectList(String name) {
        Object v = map.get(name);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list) || list.stream().anyMatch(x -> !(x instanceof Map<?, ?>))) {
            throw invalid(name, "must be an array of objects");
        }
        List<ToolArgs> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(new ToolArgs(castMap((Map<?, ?>) list.get(i)), path + name + "[" + i + "]."));
        }
        return out;
    }

    /** The arguments as given, for a domain method that reads a structured argument itself. */
    public Map<String, Object> asMap() {
        return map;
    }

    private Invalid invalid(String name, String problem) {
        return new Invalid("argument " + path + name + " " + problem);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }
}
