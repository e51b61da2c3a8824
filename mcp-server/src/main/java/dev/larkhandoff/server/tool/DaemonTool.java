package dev.larkhandoff.server.tool;

/**
 * A tool's handler: reads the call's arguments ({@link ToolCall#args()}), calls one domain method and answers its
 * result. It may throw: {@link ToolCatalog#call} turns every exception into the result the agent reads. The caller's
 * id is how ownership rules know who asks.
 */
@FunctionalInterface
public interface DaemonTool {
    ToolResult call(ToolCall call) throws InterruptedException;
}
