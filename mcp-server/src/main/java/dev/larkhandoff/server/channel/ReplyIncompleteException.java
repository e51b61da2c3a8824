package dev.larkhandoff.server.channel;

import dev.larkhandoff.lark.LarkException;
import java.util.List;

/** A long reply that Lark refused part-way: the first messages were sent, the rest were not. */
public final class ReplyIncompleteException extends RuntimeException {

    private final List<String> sentMessageIds;
    private final int total;

    public ReplyIncompleteException(List<String> sentMessageIds, int total, LarkException cause) {
        super("sent " + sentMessageIds.size() + " of " + total + " messages (" + String.join(", ", sentMessageIds)
                + "), then " + cause.getMessage(), cause);
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
    public synchronized LarkException getCause() {
        return (LarkException) super.getCause();
    }
}
