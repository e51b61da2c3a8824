package dev.larkhandoff.server.handoff;

import static dev.larkhandoff.server.handoff.HandoffChats.notBound;
import static dev.larkhandoff.server.handoff.HandoffJson.json;
import static dev.larkhandoff.server.handoff.Handoffs.takeover;

import dev.larkhandoff.server.routing.WakeSignal;
import dev.larkhandoff.server.workspace.LarkIds;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.handoff.Binding;
import java.time.Duration;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The reply loop of a bound session: waiting for replies, sending cards, the working card and its Stop button. */
public final class HandoffLoop {

    private final Store store;
    private final HandoffInbox inbox;
    private final HandoffOutbox outbox;
    private final StopFlags stopFlags;
    private final HandoffChats chats;

    HandoffLoop(Store store, HandoffInbox inbox, HandoffOutbox outbox, StopFlags stopFlags, HandoffChats chats) {
        this.store = store;
        this.inbox = inbox;
        this.outbox = outbox;
        this.stopFlags = stopFlags;
        this.chats = chats;
    }

    /** Waits for replies in the caller's chat. */
    public ObjectNode await(Handoffs.Caller caller, Duration timeout, WakeSignal.Progress progress)
            throws InterruptedException {
        HandoffInbox.Outcome outcome = inbox.await(caller.sessionId(), timeout, progress);
        ObjectNode out = json();
        if (outcome instanceof HandoffInbox.Outcome.Replies r) {
            outbox.thinking(r.binding().chatId(), r.replies());
            ArrayNode list = out.putArray("replies");
            r.replies().forEach(reply -> list.add(reply.toJson()));
            out.put("count", r.replies().size());
            if (r.more()) {
                out.put("more", true);
            }
            if (stopFlags.isRaised(r.binding().chatId())) {
                out.put("stop_requested", true);
            }
            return out;
        }
        if (outcome instanceof HandoffInbox.Outcome.TakenOver) {
            return takeover();
        }
        if (outcome instanceof HandoffInbox.Outcome.TimedOut) {
            return out.put("timeout", true);
        }
        throw notBound();
    }

    /**
     * Posts a card to the caller's chat for the agent (its answer, a question, a status); the replies it was handed
     * count as read.
     *
     * @param answer whether this answers the user, so that where the bot must be @-mentioned the operator is
     *               mentioned; progress notes do not ping anyone
     */
    public ObjectNode send(Handoffs.Caller caller, OutgoingCard card, boolean answer) {
        Binding b = chats.bound(caller);
        inbox.answered(caller.sessionId());
        HandoffOutbox.Sent sent = outbox.post(
                b.chatId(),
                caller.sessionId(),
                card.toJson(b.chatId(), mentionFor(b, card, answer)),
                card.kind(),
                card.title(),
                card.text());
        return json().put("sent", true).put("message_id", sent.messageId());
    }

    /** The working card (grey, elapsed time, Stop): posted once, then updated in place; the next send makes it "Done". */
    public ObjectNode working(Handoffs.Caller caller, String summary) {
        Binding b = chats.bound(caller);
        HandoffOutbox.Sent sent = outbox.working(b.chatId(), caller.sessionId(), summary);
        return json().put("working_card", sent.messageId());
    }

    /** Whether the session's waits are the handoff loop's: it holds a chat, or lost one and was not told yet. */
    public boolean isBound(String sessionId) {
        return store.bindings().findBySession(sessionId).isPresent() || inbox.hasLostNotice(sessionId);
    }

    /** Whether Stop was pressed in the caller's chat (the next tool call should stop). */
    public boolean stopRequested(String sessionId) {
        return store.bindings()
                .findBySession(sessionId)
                .map(b -> stopFlags.isRaised(b.chatId()))
                .orElse(false);
    }

    /** In a chat where the bot must be @-mentioned, answers @-mention the operator unless the agent names someone. */
    private static String mentionFor(Binding b, OutgoingCard card, boolean answer) {
        if (card.mentionOpenId() != null) {
            return LarkIds.openId(card.mentionOpenId(), "mention");
        }
        return answer && b.needMention() && !b.operatorOpenId().isEmpty() ? b.operatorOpenId() : null;
    }
}
