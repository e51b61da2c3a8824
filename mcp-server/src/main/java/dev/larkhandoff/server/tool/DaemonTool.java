package dev.larkhandoff.server.tool;

/** A tool the daemon runs for a registered session (the caller's id is how ownership rules know who asks). */
@FunctionalInterface
public interface DaemonTool {
    ToolResult call(ToolCall call);
}
