package dev.larkhandoff.server.handoff;

import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.server.tool.ToolFailure;

/**
 * Why a handoff step failed, in words an agent can act on: which id, which limit, what Lark said. The one error
 * type of this package; {@link #problem()} tells the kinds apart. Never carries credentials or tokens (Lark's own
 * errors never do, and nothing here adds any). A tool answers it after its own name ({@code handoff_send: …}).
 */
public final class HandoffException extends RuntimeException implements ToolFailure {

    /** The kind of failure, for callers that answer each differently. */
    public enum Problem {
        /** An argument is missing or malformed (an id that cannot be a Lark id, say). */
        INVALID_ARGUMENT,
        /** Neither the store nor Lark knows the message. */
        NOT_FOUND,
        /** The message exists but is not of the type the step needs (a text where a merge_forward was asked for). */
        WRONG_MESSAGE_TYPE,
        /** A stored event cannot be read as a reply. */
        UNREADABLE,
        /** Lark refused the call; {@link #larkCode()} has its code. */
        LARK_ERROR,
        /** A download was larger than the limit it names. */
        TOO_LARGE,
        /** The local file system refused. */
        IO
    }

    private final Problem problem;
    private final Integer larkCode;

    public HandoffException(Problem problem, String message) {
        this(problem, message, null, null);
    }

    public HandoffException(Problem problem, String message, Throwable cause) {
        this(problem, message, null, cause);
    }

    private HandoffException(Problem problem, String message, Integer larkCode, Throwable cause) {
        super(message, cause);
        this.problem = problem;
        this.larkCode = larkCode;
    }

    /** Lark's code for a message that does not exist or was recalled. */
    static final int LARK_MESSAGE_NOT_FOUND = 230011;

    /**
     * A Lark refusal of {@code what} ("read message om_…"), keeping Lark's code, message and log id; a message Lark
     * does not know is {@link Problem#NOT_FOUND}.
     */
    static HandoffException lark(String what, LarkException e) {
        Problem problem = e.code() == LARK_MESSAGE_NOT_FOUND ? Problem.NOT_FOUND : Problem.LARK_ERROR;
        return new HandoffException(problem, "could not " + what + ": " + e.getMessage(), e.code(), e);
    }

    public Problem problem() {
        return problem;
    }

    @Override
    public Reads reads() {
        return Reads.AFTER_TOOL_NAME;
    }

    /** Lark's error code when Lark refused, else null. */
    public Integer larkCode() {
        return larkCode;
    }
}
