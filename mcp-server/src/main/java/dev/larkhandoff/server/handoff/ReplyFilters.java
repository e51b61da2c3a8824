package dev.larkhandoff.server.handoff;

import dev.larkhandoff.store.chat.ChatMember;
import dev.larkhandoff.store.chat.ChatRepository;
import dev.larkhandoff.store.chat.MemberRole;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.inbox.InboxRow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The filter chain for a handoff chat, in order: the bot's own messages; the sender (the operator, tagged
 * {@code owner} even when also a guest, then guests and coowners with their role; relays always pass; with no
 * operator and no members everyone passes, untagged); then, where the bot must be @-mentioned, only what is
 * addressed to it (relays, reactions, stickers, card actions, messages that @-mention the bot, with every mention
 * key stripped from the text, and replies to a message the bot sent).
 *
 * <p>It runs before anything counts as consumed and reports every row it keeps back, so the
 * caller marks those filtered in the inbox rather than losing them. Pure: the rows are not changed, and the same
 * rows and store give the same answer.
 */
public final class ReplyFilters {

    /** Message types that pass the need-mention rule whatever they say: they answer the bot by their nature. */
    private static final Set<String> ALWAYS_ADDRESSED = Set.of(
            HandoffReply.RELAY,
            HandoffReply.REACTION,
            HandoffReply.STICKER,
            HandoffReply.BUTTON_ACTION,
            HandoffReply.FORM_ACTION,
            HandoffReply.SELECT_ACTION,
            HandoffReply.INPUT_ACTION);

    private static final Pattern SPACES = Pattern.compile("[ \\t\\x0B\\f\\u00A0]+");
    private static final Pattern SPACES_AROUND_NEWLINE = Pattern.compile(" ?\\R ?");

    private final String operatorOpenId;
    private final String botOpenId;
    private final boolean needMention;
    private final Map<String, MemberRole> members;
    private final Predicate<String> botSent;

    private ReplyFilters(
            String operatorOpenId,
            String botOpenId,
            boolean needMention,
            Map<String, MemberRole> members,
            Predicate<String> botSent) {
        this.operatorOpenId = operatorOpenId == null ? "" : operatorOpenId;
        this.botOpenId = botOpenId == null ? "" : botOpenId;
        this.needMention = needMention;
        this.members = members;
        this.botSent = botSent;
    }

    /**
     * The chain for one chat.
     *
     * @param operatorOpenId the operator; null or "" for none
     * @param botOpenId      the bot; null or "" when unknown (then no message counts as @-mentioning it)
     * @param members        the chat's guests and coowners
     * @param botSent        whether a message id is one the bot sent
     */
    public static ReplyFilters of(
            String operatorOpenId,
            String botOpenId,
            boolean needMention,
            List<ChatMember> members,
            Predicate<String> botSent) {
        Map<String, MemberRole> roles = new LinkedHashMap<>();
        for (ChatMember m : members) {
            roles.put(m.openId(), m.role() == null ? MemberRole.GUEST : m.role());
        }
        return new ReplyFilters(
                operatorOpenId, botOpenId, needMention, Map.copyOf(roles), Objects.requireNonNull(botSent, "botSent"));
    }

    /** The chain for a bound chat: operator, bot and need-mention from the binding, members and sent messages from the store. */
    public static ReplyFilters forChat(Binding binding, ChatRepository chats) {
        return of(
                binding.operatorOpenId(),
                binding.botOpenId(),
                binding.needMention(),
                chats.members(binding.chatId()),
                chats::isBotSent);
    }

    /** Sorts the rows into those that reach the agent and those kept back, each in the rows' order. */
    public Screening screen(List<InboxRow> rows) {
        List<Screening.Kept> kept = new ArrayList<>();
        List<Screening.Dropped> dropped = new ArrayList<>();
        for (InboxRow row : rows) {
            Optional<HandoffReply> read;
            try {
                read = HandoffReply.fromInbox(row.event());
            } catch (HandoffException e) {
                dropped.add(new Screening.Dropped(row, FilterReason.UNREADABLE, e.getMessage()));
                continue;
            }
            if (read.isEmpty()) {
                dropped.add(new Screening.Dropped(
                        row,
                        FilterReason.NOT_A_REPLY,
                        "a " + row.event().eventType() + " event is not a message, reaction or card action"));
                continue;
            }
            judge(row, read.get(), kept, dropped);
        }
        return new Screening(kept, dropped);
    }

    private void judge(InboxRow row, HandoffReply reply, List<Screening.Kept> kept, List<Screening.Dropped> dropped) {
        if (HandoffReply.STOP_SIGNAL.equals(reply.msgType())) {
            dropped.add(new Screening.Dropped(row, FilterReason.STOP_SIGNAL, "the Stop button raises the stop flag"));
            return;
        }
        if (isOwn(reply)) {
            dropped.add(new Screening.Dropped(row, FilterReason.OWN_MESSAGE, "sent by the bot itself"));
            return;
        }
        HandoffReply tagged;
        if (HandoffReply.RELAY.equals(reply.msgType()) || operatorOpenId.isEmpty() && members.isEmpty()) {
            tagged = reply;
        } else if (reply.senderId().isEmpty()) {
            dropped.add(new Screening.Dropped(row, FilterReason.SENDER_NOT_ALLOWED, "it carries no sender id"));
            return;
        } else if (reply.senderId().equals(operatorOpenId)) {
            tagged = reply.withPrivilege(Privilege.OWNER);
        } else if (members.containsKey(reply.senderId())) {
            tagged = reply.withPrivilege(Privilege.of(members.get(reply.senderId())));
        } else {
            dropped.add(new Screening.Dropped(
                    row,
                    FilterReason.SENDER_NOT_ALLOWED,
                    reply.senderId() + " is neither the operator nor a guest or coowner of the chat"));
            return;
        }
        if (!needMention || ALWAYS_ADDRESSED.contains(tagged.msgType())) {
            kept.add(new Screening.Kept(row, tagged));
        } else if (tagged.mentions(botOpenId)) {
            kept.add(new Screening.Kept(row, tagged.withText(stripMentions(tagged))));
        } else if (tagged.parentId() != null && !tagged.parentId().isBlank() && botSent.test(tagged.parentId())) {
            kept.add(new Screening.Kept(row, tagged));
        } else {
            dropped.add(new Screening.Dropped(
                    row, FilterReason.NOT_ADDRESSED_TO_BOT, "the bot must be @-mentioned or replied to in this chat"));
        }
    }

    private boolean isOwn(HandoffReply reply) {
        boolean fromThisBot =
                "app".equals(reply.senderType()) && !botOpenId.isEmpty() && botOpenId.equals(reply.senderId());
        return fromThisBot || !reply.messageId().isEmpty() && botSent.test(reply.messageId());
    }

    /**
     * The text without mention keys ({@code @_user_1} …), runs of spaces collapsed. Line breaks are kept,
     * so a pasted snippet keeps its shape. Longer keys go first, so {@code @_user_1} cannot eat the start of
     * {@code @_user_10}.
     */
    static String stripMentions(HandoffReply reply) {
        String text = reply.text();
        List<String> keys = reply.mentions().stream()
                .map(HandoffReply.Mention::key)
                .filter(k -> k != null && !k.isEmpty())
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
        for (String key : keys) {
            text = text.replace(key, " ");
        }
        text = SPACES.matcher(text).replaceAll(" ");
        return SPACES_AROUND_NEWLINE.matcher(text).replaceAll("\n").strip();
    }
}
