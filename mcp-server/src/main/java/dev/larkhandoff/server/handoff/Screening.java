package dev.larkhandoff.server.handoff;

import dev.larkhandoff.store.inbox.InboxRow;
import java.util.List;

/**
 * What {@link ReplyFilters} made of a batch of inbox rows: the rows that reach the agent, in their order, each with
 * its reply (tagged, mention keys stripped where the rules say), and the rows kept from it with the reason. The
 * caller marks the first delivered and the second filtered, so a filtered row is kept, never lost.
 */
public record Screening(List<Kept> kept, List<Dropped> dropped) {

    public Screening {
        kept = List.copyOf(kept);
        dropped = List.copyOf(dropped);
    }

    /** A row that reaches the agent, and the reply it becomes. */
    public record Kept(InboxRow row, HandoffReply reply) {}

    /** A row kept from the agent: why, and the particulars (which sender, which event type). */
    public record Dropped(InboxRow row, FilterReason reason, String detail) {
        /** The text to store as the row's filter reason: {@code <code>: <detail>}. */
        public String describe() {
            return reason.code() + ": " + detail;
        }
    }

    /** The replies that reach the agent, in order. */
    public List<HandoffReply> replies() {
        return kept.stream().map(Kept::reply).toList();
    }
}
