package dev.larkhandoff.server.tool;

import dev.larkhandoff.lark.LarkException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every tool the daemon offers, in the order agents see them, and the one place a call is dispatched: unknown
 * names and failures become {@code isError} results, never exceptions. A tool is declared as a {@link ToolSpec}
 * (its schema from {@link ToolSchema}) plus one {@link DaemonTool} handler that reads its arguments with
 * {@link ToolCall#args()} and calls one domain method; what the handler throws is mapped here, in
 * {@link #failed}, and nowhere else.
 */
public final class ToolCatalog {

    private static final Logger log = LoggerFactory.getLogger(ToolCatalog.class);

    /** A tool's description and its implementation. */
    public record Entry(ToolSpec spec, DaemonTool tool) {}

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
        } catch (InterruptedException | RuntimeException e) {
            return failed(name, e);
        }
    }

    /**
     * What the agent reads when {@code tool} threw {@code e}: a {@link ToolFailure} as it says; a bad argument
     * ({@link ToolArgs.Invalid} or any {@link IllegalArgumentException}) by its message alone; a Lark refusal, or
     * anything unexpected (logged with its trace), as {@code <tool> failed: <message>}; an interrupt as the
     * daemon shutting down.
     */
    static ToolResult failed(String tool, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return ToolResult.error(tool + " was interrupted (the daemon is shutting down); call it again");
        }
        if (e instanceof ToolFailure f) {
            return switch (f.reads()) {
                case MESSAGE -> ToolResult.error(f.text());
                case AFTER_TOOL_NAME -> ToolResult.error(tool + ": " + f.text());
                case AS_FAILURE -> {
                    log.warn("{} failed: {}", tool, f.text());
                    yield ToolResult.error(tool + " failed: " + f.text());
                }
                case AS_ANSWER -> ToolResult.ok(f.text());
            };
        }
        if (e instanceof IllegalArgumentException) {
            return ToolResult.error(e.getMessage());
        }
        if (e instanceof LarkException) {
            log.warn("{} failed: {}", tool, e.getMessage());
        } else {
            log.error("tool {} failed", tool, e);
        }
        return ToolResult.error(tool + " failed: " + e.getMessage());
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
