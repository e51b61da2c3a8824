package dev.larkhandoff.server.daemon;

/** What a tool answers: text for the agent, and whether it is an error (MCP's {@code isError}). */
public record ToolResult(String text, boolean isError) {

    public static ToolResult ok(String text) {
        return new ToolResult(text, false);
    }

    public static ToolResult error(String text) {
        return new ToolResult(text, true);
    }
}
