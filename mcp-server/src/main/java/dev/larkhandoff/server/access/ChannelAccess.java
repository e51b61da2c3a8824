package dev.larkhandoff.server.access;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.routing.InboxRouter.Verdict;
import dev.larkhandoff.store.chat.ChatRepository;
import dev.larkhandoff.store.inbox.InboxEvent;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;

/**
 * The daemon's access check on a stored event: who may reach an agent, and with what privilege. Messages go
 * through {@link AccessGate} with the policy in {@code access.json}; a pairing decision sends the code to the
 * sender and keeps the message from every agent. Other events (reactions, card clicks) pass only for allowlisted
 * senders. The bot's own messages never pass.
 */
public final class ChannelAccess implements Function<InboxEvent, Verdict> {

    private static final String CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

    private final AccessFile file;
    private final ChatRepository chats;
    private final Clock clock;
    private final Supplier<String> botOpenId;
    private final BiConsumer<String, String> tellChat;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param botOpenId the bot's open_id once known (null before), to recognise its own messages and @-mentions
     * @param tellChat  sends a short text to a chat (the pairing code); must not block
     */
    public ChannelAccess(AccessFile file, ChatRepository chats, Clock clock, Supplier<String> botOpenId,
            BiConsumer<String, String> tellChat) {
        this.file = file;
        this.chats = chats;
        this.clock = clock;
        this.botOpenId = botOpenId;
        this.tellChat = tellChat;
    }

    @Override
    public synchronized Verdict apply(InboxEvent event) {
        String bot = botOpenId.get();
        String sender = event.senderOpenId();
        if (sender != null && sender.equals(bot)) {
            return new Verdict.Withhold("the bot's own message");
        }
        AccessPolicy policy = file.load();
        if (!"im.message.receive_v1".equals(event.eventType())) {
            return sender != null && policy.allowFrom().contains(sender) ? new Verdict.Deliver(privilege(policy, event))
                    : new Verdict.Withhold("sender not on allowlist");
        }
        AccessGate.Result result = AccessGate.gate(new AccessGate.Message(sender, event.senderType(), event.chatId(),
                event.chatType(), mentionedOpenIds(event), bot, Set.of()), policy, clock.millis(), this::newCode);
        if (result.changed()) {
            file.save(result.access());
        }
        AccessGate.Decision decision = result.decision();
        if (decision instanceof AccessGate.Decision.Pair p) {
            tellChat.accept(event.chatId(), pairingText(p.code()));
            return new Verdict.Withhold("pairing requested (code " + p.code() + ")");
        }
        if (decision instanceof AccessGate.Decision.Drop d) {
            return new Verdict.Withhold(d.reason());
        }
        return new Verdict.Deliver(privilege(result.access(), event));
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
