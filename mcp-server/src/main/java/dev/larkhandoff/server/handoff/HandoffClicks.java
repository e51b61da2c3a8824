package dev.larkhandoff.server.handoff;

import dev.larkhandoff.lark.event.CardAction;
import dev.larkhandoff.server.routing.InboundRecorder.CardCallbacks;
import dev.larkhandoff.store.chat.ChatMember;
import dev.larkhandoff.store.chat.ChatRepository;
import dev.larkhandoff.store.chat.MemberRole;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.handoff.BindingRepository;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Answers clicks on the handoff's cards as they arrive: a Stop or permission click by anyone but the handoff's
 * operator or the chat's coowners (as the store knows them, never as the card's value claims), or on a question by someone who may not talk to the agent in that chat, is refused with a toast and never stored
 * (so a stranger cannot answer for the operator, nor close the question to them); Stop raises the chat's stop flag;
 * any other answer is stored for the agent's wait and the card is replaced by one showing the choice.
 */
public final class HandoffClicks implements CardCallbacks {

    private final StopFlags stopFlags;
    private final BindingRepository bindings;
    private final ChatRepository chats;

    public HandoffClicks(StopFlags stopFlags, BindingRepository bindings, ChatRepository chats) {
        this.stopFlags = stopFlags;
        this.bindings = bindings;
        this.chats = chats;
    }

    @Override
    public Decision judge(CardAction action) {
        Optional<HandoffReply> read = HandoffReply.fromEvent(action);
        if (read.isEmpty()) {
            return new Accept(null, () -> {});
        }
        HandoffReply reply = read.get();
        boolean stop = HandoffReply.STOP_SIGNAL.equals(reply.msgType());
        JsonNode value = action.action().value();
        String chatId = chatOf(action);
        String nonce = HandoffCards.textOf(value, "nonce", "");
        boolean permission = nonce.startsWith("perm:");
        if ((stop || permission) && !mayDecide(chatId, reply.senderId())) {
            return new Reject(HandoffCards.notAllowed(stop));
        }
        if (permission) {
            // A permission card: the decision itself replaces it; the bridge waiting on the nonce takes the click.
            return new Accept(HandoffCards.decided(HandoffCards.textOf(value, "body", ""), reply.text()), () -> {});
        }
        if (stop) {
            return new Accept(HandoffCards.stopping(), () -> {
                if (chatId != null) {
                    stopFlags.raise(chatId);
                }
            });
        }
        // Only the handoff's own question cards carry their chat in the button value; a click on any other card
        // (a channel reply, another app's card) is stored and acknowledged but its card is left as it is.
        if (reply.text().isBlank() || HandoffCards.textOf(value, "chat_id", "").isBlank()) {
            return new Accept(null, () -> {});
        }
        if (chatId != null && !mayAnswer(chatId, reply.senderId())) {
            return new Reject(HandoffCards.notAllowedToAnswer());
        }
        return new Accept(HandoffCards.answered(action, reply.text()), () -> {});
    }

    /**
     * Who may press Stop or decide a permission, as the store knows it now: the handoff's operator and the chat's
     * coowners. Never what the card's button value says: a value is echoed back by the client, so it proves nothing.
     */
    private boolean mayDecide(String chatId, String openId) {
        if (chatId == null || openId == null || openId.isEmpty()) {
            return false;
        }
        Optional<Binding> binding = bindings.find(chatId);
        if (binding.isEmpty()) {
            return false; // no handoff in this chat: nothing is waiting for a decision
        }
        return openId.equals(binding.get().operatorOpenId())
                || chats.members(chatId).stream()
                        .anyMatch(m ->
                                m.role() == MemberRole.COOWNER && m.openId().equals(openId));
    }

    /** In a bound chat, as the reply filters decide: the operator, or a guest or coowner; anyone when none is set. */
    private boolean mayAnswer(String chatId, String openId) {
        Optional<Binding> binding = bindings.find(chatId);
        if (binding.isEmpty()) {
            return true;
        }
        List<ChatMember> members = chats.members(chatId);
        String operator = binding.get().operatorOpenId();
        if (operator.isEmpty() && members.isEmpty()) {
            return true;
        }
        return operator.equals(openId)
                || members.stream().anyMatch(m -> m.openId().equals(openId));
    }

    private static String chatOf(CardAction action) {
        if (action.context() != null && action.context().openChatId() != null) {
            return action.context().openChatId();
        }
        String fromValue = HandoffCards.textOf(action.action().value(), "chat_id", "");
        return fromValue.isBlank() ? null : fromValue;
    }
}
