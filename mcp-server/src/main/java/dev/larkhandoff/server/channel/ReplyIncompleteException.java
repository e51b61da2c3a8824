package dev.larkhandoff.server.channel;

import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.server.tool.ToolFailure;
import java.util.List;

/**
 * A long reply that Lark refused part-way: the first messages were sent, the rest were not. Reads as the tool's failure
 * ({@code reply failed: sent 1 of 2 messages …}).
 */
public final class ReplyIncompleteException extends RuntimeException implements ToolFailure {

    private final List<String> sentMessageIds;
    private final int total;

    public ReplyIncompleteException(List<String> sentMessageIds, int total, LarkException cause) {
        super(
                "sent " + sentMessageIds.size() + " of " + total + " messages (" + String.join(", ", sentMessageIds)
                        + "), then " + cause.getMessage(),
                cause);
        this.sentMessageIds = List.copyOf(sentMessageIds);
        this.total = total;
    }

    /** The messages that did go out, in order. */
    public List<String> sentMessageIds() {
        return sentMessageIds;
    }

    /** How many messages the whole reply needed. */
    public int total() {
        return total;
    }

    @Override
    public Reads reads() {
        return Reads.AS_FAILURE;
    }

    @Override
    public synchronized LarkException getCause() {
        return (LarkException) super.getCause();
    }
}
