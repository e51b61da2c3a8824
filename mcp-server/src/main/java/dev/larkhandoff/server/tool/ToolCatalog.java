package dev.larkhandoff.server.tool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every tool the daemon offers, in the order agents see them, and the one place a call is dispatched: unknown
 * names and failures become {@code isError} results, never exceptions.
 */
public final class ToolCatalog {

    private static final Logger log = LoggerFactory.getLogger(ToolCatalog.class);

    /** A tool's description and its implementation. */
    public record Entry(ToolSpec spec, DaemonTool tool) {
    }

    private final Map<String, Entry> entries;

    private ToolCatalog(Map<String, Entry> entries) {
        this.entries = entries;
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<ToolSpec> specs() {
        List<ToolSpec> out = new ArrayList<>();
        entries.values().forEach(e -> out.add(e.spec()));
        return out;
    }

    public boolean has(String name) {
        return entries.containsKey(name);
    }

    public ToolResult call(String name, ToolCall call) {
        Entry entry = entries.get(name);
        if (entry == null) {
            return ToolResult.error("Unknown tool: " + name);
        }
        try {
            return entry.tool().call(call);
        } catch (IllegalArgumentException e) {
            return ToolResult.error(e.getMessage());
        } catch (RuntimeException e) {
            log.error("tool {} failed", name, e);
            return ToolResult.error(name + " failed: " + e.getMessage());
        }
    }

    /** Collects tools; a second tool under one name is a programming error. */
    public static final class Builder {
        private final Map<String, Entry> entries = new LinkedHashMap<>();

        public Builder add(ToolSpec spec, DaemonTool tool) {
            if (entries.putIfAbsent(spec.name(), new Entry(spec, tool)) != null) {
                throw new IllegalStateException("two tools named " + spec.name());
            }
            return this;
        }

        public Builder addAll(ToolCatalog other) {
            other.entries.values().forEach(e -> add(e.spec(), e.tool()));
            return this;
        }

        public ToolCatalog build() {
            return new ToolCatalog(Map.copyOf(entries).isEmpty() ? Map.of() : new LinkedHashMap<>(entries));
        }
    }
}
