package dev.larkhandoff.server.handoff;

import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * One message inside a merge_forward, read like a reply; a forward nested in it carries its own messages as
 * {@code children}.
 */
public record ForwardedMessage(HandoffReply reply, List<ForwardedMessage> children) {

    public ForwardedMessage {
        children = children == null ? List.of() : List.copyOf(children);
    }

    /** The reply's fields, plus {@code children} for a nested forward. */
    public ObjectNode toJson() {
        ObjectNode o = reply.toJson();
        if (!children.isEmpty()) {
            var list = o.putArray("children");
            children.forEach(c -> list.add(c.toJson()));
        }
        return o;
    }
}
