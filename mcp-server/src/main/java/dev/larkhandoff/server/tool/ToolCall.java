package dev.larkhandoff.server.tool;

import java.util.Map;

/**
 * One call of a daemon tool: who asks (null before registration), the arguments, and where to report progress
 * while a call blocks (a wait for replies). Progress is best effort and may go nowhere.
 */
public record ToolCall(String callerSessionId, Map<String, Object> arguments, Progress progress) {

    /** Receives progress of a long call; the front turns it into MCP progress notifications. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (done, total, message) -> {};

        void report(double done, Double total, String message);
    }

    public ToolCall {
        arguments = arguments == null ? Map.of() : arguments;
        progress = progress == null ? Progress.NONE : progress;
    }

    /** The arguments, read and checked by name. */
    public ToolArgs args() {
        return new ToolArgs(arguments);
    }

    public static ToolCall of(String caller, Map<String, Object> arguments) {
        return new ToolCall(caller, arguments, Progress.NONE);
    }
}
