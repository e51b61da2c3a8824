package dev.larkhandoff.server.handoff;

import static dev.larkhandoff.server.handoff.HandoffJson.json;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.workspace.LarkIds;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.inbox.InboxRow;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Reading the caller's chat: one message by id (a merge_forward with its messages) and the recent history. */
public final class HandoffLookups {

    private final Store store;
    private final ParentLookup parents;
    private final MergeForward forwards;
    private final HandoffChats chats;

    HandoffLookups(Store store, ParentLookup parents, MergeForward forwards, HandoffChats chats) {
        this.store = store;
        this.parents = parents;
        this.forwards = forwards;
        this.chats = chats;
    }

    /** A message by id, read as a reply: the bot's own from the store first, else Lark; a merge_forward with its messages. */
    public ObjectNode message(Handoffs.Caller caller, String messageId) {
        chats.bound(caller);
        LarkIds.messageId(messageId, "message_id");
        Optional<ParentMessage> found = parents.find(messageId);
        if (found.isEmpty()) {
            return json().put("found", false).put("message_id", messageId);
        }
        ObjectNode out = found.get().toJson();
        if ("merge_forward".equals(found.get().msgType())) {
            ArrayNode list = out.putArray("messages");
            forwards.expand(messageId).forEach(m -> list.add(m.toJson()));
        }
        return out;
    }

    /**
     * The chat's recent messages as the daemon stored them, filtered ones included with the reason: the newest
     * {@code limit}, as many of them as fit in one page ({@link HandoffInbox#PAGE_BYTES}); {@code more} says older
     * ones were left out for size.
     */
    public ObjectNode history(Handoffs.Caller caller, int limit) {
        Binding b = chats.bound(caller);
        List<InboxRow> rows = store.inbox().history(b.chatId(), limit);
        java.util.Deque<ObjectNode> newestLast = new java.util.ArrayDeque<>();
        long bytes = 0;
        int left = 0;
        for (int i = rows.size() - 1; i >= 0; i--) {
            ObjectNode o = historyEntry(rows.get(i));
            long size = ServerJson.mapper().writeValueAsBytes(o).length;
            if (!newestLast.isEmpty() && bytes + size > HandoffInbox.PAGE_BYTES) {
                left = i + 1;
                break;
            }
            bytes += size;
            newestLast.addFirst(o);
        }
        ObjectNode out = json().put("chat_id", b.chatId());
        ArrayNode list = out.putArray("messages");
        newestLast.forEach(list::add);
        if (left > 0) {
            out.put("more", true).put("left_out", left);
        }
        return out;
    }

    private ObjectNode historyEntry(InboxRow row) {
        ObjectNode o = json();
        var e = row.event();
        o.put("event_type", e.eventType());
        if (e.messageId() != null) {
            o.put("message_id", e.messageId());
        }
        o.put("sender_id", e.senderOpenId());
        o.put("text", e.normalizedText());
        o.put("state", row.state().column());
        if (row.filterReason() != null) {
            o.put("filter_reason", row.filterReason());
        }
        o.put("received_at", row.receivedAt());
        return o;
    }
}
