package dev.larkhandoff.server.access;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.routing.InboxRouter.Verdict;
import dev.larkhandoff.store.chat.ChatRepository;
import dev.larkhandoff.store.inbox.InboxEvent;
import dev.larkhandoff.store.inbox.InboxRepository;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The daemon's access check on a stored event: who may reach an agent, and with what privilege. Messages go
 * through {@link AccessGate} with the policy in {@code access.json}; a pairing decision sends the code to the
 * sender and keeps the message from every agent. Other events (reactions, card clicks) pass only for allowlisted
 * senders. The bot's own messages never pass. While the file is broken the last valid policy stays in force; with
 * none yet, messages are withheld as {@link #INVALID} and judged again once the file is valid.
 */
public final class ChannelAccess implements Function<InboxEvent, Verdict> {

    private static final Logger log = LoggerFactory.getLogger(ChannelAccess.class);
    private static final String CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

    private final AccessSource file;
    private final ChatRepository chats;
    private final InboxRepository inbox;
    private final Clock clock;
    private final Supplier<String> botOpenId;
    private final BiConsumer<String, String> tellChat;
    private volatile Runnable rejudge = () -> {};
    private final SecureRandom random = new SecureRandom();
    /** The policy last read from a valid file; null until one was (the file was broken from the start). */
    private AccessPolicy lastGood;
    /** What is wrong with the file now, or null while it is valid. */
    private String problem;
    /** Rows may be withheld for {@link #INVALID}: true at start (a previous run may have left some) and while broken. */
    private boolean owesRejudge = true;

    /** The reason rows are withheld while no valid policy was ever read; they are judged again once there is one. */
    public static final String INVALID = "access.json is invalid: ";

    /**
     * @param botOpenId the bot's open_id once known (null before), to recognise its own messages and @-mentions
     * @param tellChat  sends a short text to a chat (the pairing code); must not block
     */
    public ChannelAccess(
            AccessSource file,
            ChatRepository chats,
            InboxRepository inbox,
            Clock clock,
            Supplier<String> botOpenId,
            BiConsumer<String, String> tellChat) {
        this.file = file;
        this.chats = chats;
        this.inbox = inbox;
        this.clock = clock;
        this.botOpenId = botOpenId;
        this.tellChat = tellChat;
    }

    /**
     * Who routes again after rows withheld for a broken file were put back to pending: it must do so soon, on another
     * thread (it is called from inside a routing pass). Set at wiring, since the router itself asks this gate.
     */
    public ChannelAccess onRejudge(Runnable listener) {
        this.rejudge = listener;
        return this;
    }

    @Override
    public synchronized Verdict apply(InboxEvent event) {
        String bot = botOpenId.get();
        String sender = event.senderOpenId();
        if (sender != null && sender.equals(bot)) {
            return new Verdict.Withhold("the bot's own message");
        }
        AccessPolicy policy = current();
        if (policy == null) {
            return new Verdict.Withhold(INVALID + problem);
        }
        boolean fileIsValid = problem == null;
        if (!"im.message.receive_v1".equals(event.eventType())) {
            return sender != null && policy.allowFrom().contains(sender)
                    ? new Verdict.Deliver(privilege(policy, event))
                    : new Verdict.Withhold("sender not on allowlist");
        }
        AccessGate.Result result = AccessGate.gate(
                new AccessGate.Message(
                        sender,
                        event.senderType(),
                        event.chatId(),
                        event.chatType(),
                        mentionedOpenIds(event),
                        bot,
                        Set.of()),
                policy,
                clock.millis(),
                this::newCode);
        AccessGate.Decision decision = result.decision();
        if (!fileIsValid && decision instanceof AccessGate.Decision.Pair) {
            // A code can only be kept in the file, and writing it would overwrite the owner's broken edit.
            return new Verdict.Withhold(INVALID + problem);
        }
        if (result.changed() && fileIsValid) {
            file.save(result.access());
        }
        if (decision instanceof AccessGate.Decision.Pair p) {
            tellChat.accept(event.chatId(), pairingText(p.code()));
            return new Verdict.Withhold("pairing requested (code " + p.code() + ")");
        }
        if (decision instanceof AccessGate.Decision.Drop d) {
            return new Verdict.Withhold(d.reason());
        }
        return new Verdict.Deliver(privilege(result.access(), event));
    }

    /**
     * Reads the file again and, if it became valid, puts the rows withheld because it was broken back to
     * pending: the daemon calls it every few seconds so a fixed file lets them through without waiting for
     * the next message. Never throws.
     */
    public synchronized void recheck() {
        try {
            current();
        } catch (RuntimeException e) {
            log.warn("checking {} failed: {}", file.describe(), e.getMessage());
        }
    }

    /** What is wrong with access.json (naming the file), or null while it is valid. */
    public synchronized String problem() {
        return problem == null ? null : file.describe() + ": " + problem;
    }

    /**
     * The policy to judge by: the file's, or the last good one while the file is broken (null if there never was
     * one). Says once, not per message, that the file broke, and once that it is valid again.
     */
    private AccessPolicy current() {
        AccessPolicy policy;
        try {
            policy = file.load();
        } catch (AccessFile.Invalid e) {
            if (!e.problem().equals(problem)) {
                log.error(
                        "{}; {} until it is fixed",
                        e.getMessage(),
                        lastGood == null
                                ? "new messages are withheld (they are judged again once it is valid)"
                                : "the last valid policy stays in force");
            }
            problem = e.problem();
            owesRejudge |= lastGood == null;
            return lastGood;
        }
        if (problem != null) {
            log.info("{} is valid again", file.describe());
            problem = null;
        }
        lastGood = policy;
        if (owesRejudge) {
            owesRejudge = false;
            int back = inbox.repend(INVALID);
            if (back > 0) {
                log.info("{} message(s) withheld while access.json was invalid are judged again", back);
                rejudge.run();
            }
        }
        return policy;
    }

    /** What the sender reads: how to get let in. */
    static String pairingText(String code) {
        return "This bot only talks to people its operator approved. Pairing code: " + code
                + " — ask the operator to run `lark-handoff access pair " + code + "` (valid for one hour).";
    }

    private String privilege(AccessPolicy policy, InboxEvent event) {
        if (event.senderOpenId() != null && policy.allowFrom().contains(event.senderOpenId())) {
            return "owner";
        }
        if (event.chatId() != null && event.senderOpenId() != null) {
            var role = chats.roleOf(event.chatId(), event.senderOpenId());
            if (role.isPresent()) {
                return role.get().name().toLowerCase(java.util.Locale.ROOT);
            }
        }
        return "member";
    }

    private static List<String> mentionedOpenIds(InboxEvent event) {
        List<String> out = new ArrayList<>();
        if (event.rawPayload() == null) {
            return out;
        }
        JsonNode raw = ServerJson.mapper().readTree(event.rawPayload());
        JsonNode message = raw.has("event") ? raw.path("event").path("message") : raw.path("message");
        for (JsonNode m : message.path("mentions")) {
            String id = m.path("id").path("open_id").asString("");
            if (!id.isEmpty()) {
                out.add(id);
            }
        }
        return out;
    }

    private String newCode() {
        StringBuilder code = new StringBuilder(6);
        for (int i = 0; i < 6; i++) {
            code.append(CODE_ALPHABET.charAt(random.nextInt(CODE_ALPHABET.length())));
        }
        return code.toString();
    }
}
