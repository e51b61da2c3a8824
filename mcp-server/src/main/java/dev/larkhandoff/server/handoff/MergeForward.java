package dev.larkhandoff.server.handoff;

import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.im.Message;
import dev.larkhandoff.lark.im.MessageApi;
import dev.larkhandoff.server.workspace.LarkIds;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Opens a merge_forward (several messages forwarded as one) into the messages it holds, oldest first, each read
 * like a reply; forwards nested inside are opened too. Blocks on Lark: call it from a worker thread.
 */
public final class MergeForward {

    private static final String TYPE = "merge_forward";

    private final MessageApi messages;

    public MergeForward(MessageApi messages) {
        this.messages = Objects.requireNonNull(messages, "messages");
    }

    /**
     * The forwarded messages, in order.
     *
     * @throws HandoffException {@code INVALID_ARGUMENT} for an id that cannot be a message id, {@code NOT_FOUND}
     *                          when Lark does not know it, {@code WRONG_MESSAGE_TYPE} when it is not a merge_forward,
     *                          {@code LARK_ERROR} for any other refusal
     */
    public List<ForwardedMessage> expand(String messageId) {
        LarkIds.messageId(messageId, "message_id");
        MessageApi.MergeForward forward;
        try {
            forward = messages.getForwarded(messageId).block();
        } catch (LarkException e) {
            throw HandoffException.lark("read message " + messageId, e);
        }
        if (forward == null) {
            throw new HandoffException(
                    HandoffException.Problem.NOT_FOUND, "Lark returned nothing for message " + messageId);
        }
        Message container = forward.container();
        if (!TYPE.equals(container.msgType())) {
            throw new HandoffException(
                    HandoffException.Problem.WRONG_MESSAGE_TYPE,
                    "message " + messageId + " is a " + container.msgType() + " message, not a merge_forward");
        }
        Set<String> opened = new HashSet<>();
        opened.add(container.messageId());
        return read(forward, forward.children(), opened);
    }

    private static List<ForwardedMessage> read(
            MessageApi.MergeForward forward, List<Message> level, Set<String> opened) {
        List<ForwardedMessage> out = new ArrayList<>();
        for (Message m : level) {
            List<ForwardedMessage> children = List.of();
            // The set guards against an answer that lists a container under itself: each is opened once.
            if (TYPE.equals(m.msgType()) && opened.add(m.messageId())) {
                children = read(forward, forward.childrenOf(m.messageId()), opened);
            }
            out.add(new ForwardedMessage(HandoffReply.fromMessage(m), children));
        }
        return out;
    }
}
