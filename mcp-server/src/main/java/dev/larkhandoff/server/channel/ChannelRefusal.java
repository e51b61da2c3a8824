package dev.larkhandoff.server.channel;

/** An ownership request refused by the rules; the message is the exact text the agent sees. */
public final class ChannelRefusal extends RuntimeException {

    public ChannelRefusal(String message) {
        super(message, null, false, false);
    }
}
