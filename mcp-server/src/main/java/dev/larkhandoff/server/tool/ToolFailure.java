package dev.larkhandoff.server.tool;

/**
 * A domain exception whose message is written for the agent, and how that message reads as a tool result. Domain
 * exceptions implement it; {@link ToolCatalog#call} is the one place that turns it into a result. Anything else a
 * tool throws is unexpected and answered {@code <tool> failed: <message>}.
 */
public interface ToolFailure {

    /** How the agent reads the message. */
    enum Reads {
        /** The message alone: it says everything ({@code only the dispatcher may grant channel ownership}). */
        MESSAGE,
        /** After the tool's name: {@code handoff_send: <message>}. */
        AFTER_TOOL_NAME,
        /** As the tool's failure, when a service outside refused: {@code reply failed: <message>}. */
        AS_FAILURE,
        /** Not an error at all: {@link #text()} is the tool's ordinary answer (a wait that ends quietly). */
        AS_ANSWER
    }

    Reads reads();

    /** What the agent reads; the exception's message unless it says otherwise. */
    default String text() {
        return ((Throwable) this).getMessage();
    }
}
