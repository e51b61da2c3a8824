package dev.larkhandoff.server.workspace;

import dev.larkhandoff.server.tool.ToolFailure;
import java.util.Objects;

/**
 * Why a group, config or tab operation of the handoff failed, with a message fit to show the agent (never a secret);
 * a tool answers it after its own name ({@code handoff_start: …}).
 */
public final class WorkspaceException extends RuntimeException implements ToolFailure {

    /** What kind of failure it was, so a caller can react without parsing the message. */
    public enum Problem {
        /** An id (chat, message, user, resource key) that does not match Lark's pattern; nothing was asked of Lark. */
        BAD_LARK_ID,
        /** An argument other than a chat id is missing or malformed. */
        BAD_ARGUMENT,
        /** The session is not registered with the daemon, so nothing can be bound to it. */
        UNKNOWN_SESSION,
        /** Lark knows no such chat. */
        UNKNOWN_CHAT,
        /** The chat exists but the bot is not in it. */
        BOT_NOT_IN_CHAT,
        /** The operator is not a member of the chat. */
        OPERATOR_NOT_IN_CHAT,
        /** No group has the requested name. */
        GROUP_NOT_FOUND,
        /** More than one group has the requested name. */
        AMBIGUOUS_GROUP_NAME,
        /** A workspace group was named where an external (sidecar) group is needed. */
        NOT_A_SIDECAR,
        /** A new group was created but could not be set up; it was dissolved (the message says if that failed too). */
        GROUP_SETUP_FAILED,
        /** A destructive operation was asked for without its explicit confirmation; nothing was done. */
        NOT_CONFIRMED,
        /** Lark refused or failed the call; the message carries Lark's code and msg. */
        LARK_ERROR
    }

    private final Problem problem;

    public WorkspaceException(Problem problem, String message) {
        this(problem, message, null);
    }

    public WorkspaceException(Problem problem, String message, Throwable cause) {
        super(message, cause);
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    public Problem problem() {
        return problem;
    }

    @Override
    public Reads reads() {
        return Reads.AFTER_TOOL_NAME;
    }
}
