package dev.larkhandoff.server.channel;

import java.util.List;
import java.util.Objects;

/**
 * A reply Lark accepted: the chat it actually landed in (a reply to a message goes to that message's chat,
 * whatever chat the caller named) and the messages it became, in order.
 */
public record ReplySent(String chatId, List<String> messageIds) {

    public ReplySent {
        Objects.requireNonNull(chatId, "chatId");
        messageIds = List.copyOf(messageIds);
        if (messageIds.isEmpty()) {
            throw new IllegalArgumentException("a reply is at least one message");
        }
    }
}
