package dev.larkhandoff.server.channel;

import dev.larkhandoff.server.tool.ToolFailure;

/** An ownership request refused by the rules; the message is the exact text the agent sees. */
public final class ChannelRefusal extends RuntimeException implements ToolFailure {

    public ChannelRefusal(String message) {
        super(message, null, false, false);
    }

    @Override
    public Reads reads() {
        return Reads.MESSAGE;
    }
}
