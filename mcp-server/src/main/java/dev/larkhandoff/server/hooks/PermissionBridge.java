package dev.larkhandoff.server.hooks;

import dev.larkhandoff.lark.card.Button;
import dev.larkhandoff.lark.card.ButtonStyle;
import dev.larkhandoff.lark.card.CardColor;
import dev.larkhandoff.lark.card.Cards;
import dev.larkhandoff.lark.im.MessageApi;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.handoff.HandoffException;
import dev.larkhandoff.server.handoff.HandoffOutbox;
import dev.larkhandoff.server.routing.WakeSignal;
import dev.larkhandoff.server.workspace.GroupConfig;
import dev.larkhandoff.store.SettingsRepository;
import dev.larkhandoff.store.chat.MemberRole;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.inbox.InboxRepository;
import dev.larkhandoff.store.inbox.InboxRow;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Claude Code's permission prompt, asked in the handoff group instead: an Approve / Always / Deny card naming the
 * tool and a short, inert preview of its input. Only the operator and coowners decide, by a click or by typing
 * {@code y} / {@code n} / {@code always} (and their synonyms) in the chat; what they typed is consumed here and never
 * reaches the agent. With autoapprove on, the request is allowed at once and noted on one "Auto-approved" card.
 * No answer within the timeout denies.
 */
public final class PermissionBridge {

    private static final Logger log = LoggerFactory.getLogger(PermissionBridge.class);
    private static final String AUTO_KEY = "handoff.autoapproved:";
    private static final int AUTO_LINES = 10;
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * A request as the PermissionRequest hook gives it; {@code requestKey}, when the client has one, is how it later
     * says the request was answered on its own side ({@link #withdraw}).
     */
    public record Request(String toolName, JsonNode toolInput, String requestKey) {
        public Request(String toolName, JsonNode toolInput) {
            this(toolName, toolInput, null);
        }
    }

    /** How asking ended. */
    public sealed interface Outcome {
        /** Someone entitled to decide answered. */
        record Answered(PermissionAnswer answer) implements Outcome {}

        /** Nobody answered within the timeout. */
        record TimedOut() implements Outcome {}

        /** The client's own prompt was answered first; nothing is to be said. */
        record Withdrawn() implements Outcome {}
    }

    private final InboxRepository inbox;
    private final GroupConfig config;
    private final HandoffOutbox outbox;
    private final MessageApi messages;
    private final SettingsRepository settings;
    private final Clock clock;
    private final Duration timeout;
    private final WakeSignal signal = new WakeSignal();
    /**
     * Keys of withdrawn requests, with when they were withdrawn. Kept for a timeout's length rather than removed by
     * the ask: a withdrawal may arrive before its ask got here (they come on separate requests), and it must still
     * count then.
     */
    private final Map<String, Long> withdrawn = new ConcurrentHashMap<>();

    public PermissionBridge(
            InboxRepository inbox,
            GroupConfig config,
            HandoffOutbox outbox,
            MessageApi messages,
            SettingsRepository settings,
            Clock clock,
            Duration timeout) {
        this.inbox = inbox;
        this.config = config;
        this.outbox = outbox;
        this.messages = messages;
        this.settings = settings;
        this.clock = clock;
        this.timeout = timeout;
    }

    /** Something was stored: a waiting request looks for its answer again. */
    public void wake() {
        signal.wake();
    }

    /** How long a request waits for an answer before it is denied. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * The client answered {@code requestKey} of session {@code sessionId} on its own side (its terminal prompt): the
     * card stops waiting, or is never posted, and says so; nothing typed later is taken as its answer. A request that
     * already ended is left as it is.
     */
    public void withdraw(String sessionId, String requestKey) {
        if (requestKey == null) {
            return;
        }
        long now = clock.millis();
        withdrawn.values().removeIf(at -> now - at > timeout.toMillis() + 60_000);
        withdrawn.put(key(sessionId, requestKey), now);
        signal.wake();
    }

    /**
     * Asks the chat and waits for the answer.
     *
     * @throws HandoffException when the card cannot be posted (the caller denies, saying why)
     */
    public Outcome ask(Binding binding, Request request) throws InterruptedException {
        String chatId = binding.chatId();
        String description = describe(request);
        if (config.settings(chatId).autoapprove()) {
            noteAutoApproved(binding, request, description);
            return new Outcome.Answered(PermissionAnswer.ALLOW);
        }
        String key = request.requestKey() == null ? null : key(binding.sessionId(), request.requestKey());
        BooleanSupplier isWithdrawn = () -> key != null && withdrawn.containsKey(key);
        if (isWithdrawn.getAsBoolean()) {
            return new Outcome.Withdrawn(); // answered before it was asked here: no card at all
        }
        String nonce = "perm:" + HexFormat.of().formatHex(randomBytes(6));
        String body = "**Tool:** `" + inert(request.toolName()) + "`\n" + description;
        long askedAt = clock.millis();
        HandoffOutbox.Sent card = outbox.send(
                chatId, binding.sessionId(), card(chatId, body, nonce), "permission", "Permission Request", body);
        Outcome outcome = signal.await(
                timeout,
                (d, t, m) -> {},
                "a permission answer",
                () -> isWithdrawn.getAsBoolean()
                        ? new Outcome.Withdrawn()
                        : answerIn(binding, nonce, askedAt)
                                .<Outcome>map(Outcome.Answered::new)
                                .orElse(null),
                new Outcome.TimedOut());
        // The click's own response recoloured the card already; anything else needs it done here.
        ObjectNode decided;
        if (outcome instanceof Outcome.Answered a) {
            decided = Cards.status(
                    a.answer().title(), body, a.answer() == PermissionAnswer.DENY ? CardColor.RED : CardColor.GREEN);
        } else if (outcome instanceof Outcome.Withdrawn) {
            decided = Cards.status("Answered in the terminal", body, CardColor.GREY);
        } else {
            decided = Cards.status("Denied ✗ (no answer in time)", body, CardColor.RED);
        }
        messages.patchCard(card.messageId(), decided)
                .timeout(Duration.ofSeconds(30))
                .subscribe(
                        ok -> {},
                        e -> log.info("could not mark permission card {}: {}", card.messageId(), e.getMessage()));
        return outcome;
    }

    private static String key(String sessionId, String requestKey) {
        return sessionId + "\n" + requestKey;
    }

    /** The operator and the coowners: who may decide (and press Stop). */
    static List<String> approvers(Binding binding, GroupConfig config) {
        List<String> out = new ArrayList<>();
        if (!binding.operatorOpenId().isEmpty()) {
            out.add(binding.operatorOpenId());
        }
        config.members(binding.chatId()).stream()
                .filter(m -> m.role() == MemberRole.COOWNER)
                .forEach(m -> out.add(m.openId()));
        return out.stream().distinct().sorted().toList();
    }

    /**
     * The first answer to this request in the chat since it was asked, by someone who may decide as the store
     * knows them now (a coowner removed meanwhile no longer counts): a click on its card, or a typed one.
     */
    private synchronized Optional<PermissionAnswer> answerIn(Binding binding, String nonce, long askedAt) {
        String chatId = binding.chatId();
        Set<String> who = Set.copyOf(approvers(binding, config));
        for (InboxRow row : inbox.pendingIn(chatId)) {
            var e = row.event();
            if (row.receivedAt() < askedAt || !who.contains(e.senderOpenId())) {
                continue;
            }
            Optional<PermissionAnswer> answer = Optional.empty();
            if ("card.action.trigger".equals(e.eventType())) {
                JsonNode value = ServerJson.mapper()
                        .readTree(e.rawPayload())
                        .path("event")
                        .path("action")
                        .path("value");
                if (nonce.equals(value.path("nonce").asString(""))) {
                    answer = PermissionAnswer.of(value.path("action").asString(""));
                }
            } else if ("im.message.receive_v1".equals(e.eventType()) && "text".equals(e.messageType())) {
                answer = PermissionAnswer.of(e.normalizedText());
            }
            if (answer.isPresent()) {
                // The answer was for the prompt, not for the agent: it never reaches its wait.
                inbox.markFiltered(
                        row.dedupeKey(),
                        "permission_answer: " + answer.get().name().toLowerCase() + " to " + nonce);
                return answer;
            }
        }
        return Optional.empty();
    }

    /** Who may decide is not in the buttons' values: the click handler asks the store, never the click. */
    private static ObjectNode card(String chatId, String body, String nonce) {
        List<Button> buttons = List.of(
                button("Approve", ButtonStyle.PRIMARY, "y", chatId, body, nonce),
                button("Approve All", ButtonStyle.DEFAULT, "always", chatId, body, nonce),
                button("Deny", ButtonStyle.DANGER, "n", chatId, body, nonce));
        return Cards.buttons("Permission Request", CardColor.ORANGE, body, buttons);
    }

    private static Button button(
            String label, ButtonStyle style, String action, String chatId, String body, String nonce) {
        ObjectNode value = ServerJson.mapper()
                .createObjectNode()
                .put("action", action)
                .put("chat_id", chatId)
                .put("nonce", nonce)
                .put("title", "Permission Request")
                .put("body", body.length() > 500 ? body.substring(0, 500) : body);
        return new Button(label, style, value);
    }

    /** One "Auto-approved" card per session, its lines updated in place, so autoapprove does not flood the chat. */
    private void noteAutoApproved(Binding binding, Request request, String description) {
        String key = AUTO_KEY + binding.sessionId();
        Optional<JsonNode> saved = settings.get(key).map(ServerJson.mapper()::readTree);
        List<String> lines = new ArrayList<>();
        saved.ifPresent(s -> s.path("lines").forEach(l -> lines.add(l.asString())));
        lines.add("`" + inert(request.toolName()) + "` " + firstLine(description));
        while (lines.size() > AUTO_LINES) {
            lines.remove(0);
        }
        ObjectNode card = Cards.status("Auto-approved", String.join("\n", lines), CardColor.GREY);
        String messageId = null;
        if (saved.isPresent()
                && binding.chatId().equals(saved.get().path("chat_id").asString())) {
            messageId = saved.get().path("message_id").asString();
            try {
                HandoffOutbox.call("update the auto-approved card", messages.patchCard(messageId, card));
            } catch (HandoffException e) {
                messageId = null;
            }
        }
        if (messageId == null) {
            try {
                messageId = outbox.send(
                                binding.chatId(), binding.sessionId(), card, "autoapproved", "Auto-approved", "")
                        .messageId();
            } catch (HandoffException e) {
                log.info("could not post the auto-approved card: {}", e.getMessage());
                return;
            }
        }
        ObjectNode state = ServerJson.mapper()
                .createObjectNode()
                .put("chat_id", binding.chatId())
                .put("message_id", messageId);
        lines.forEach(state.putArray("lines")::add);
        settings.put(key, state.toString());
    }

    /**
     * What the request is about: a command with its description, the file an edit touches,
     * or the first few arguments, each cut short and made inert so the card shows, never obeys, what is in it.
     */
    static String describe(Request request) {
        JsonNode in = request.toolInput() == null ? ServerJson.mapper().createObjectNode() : request.toolInput();
        String tool = request.toolName() == null ? "" : request.toolName();
        String out;
        switch (tool) {
            case "Bash" -> {
                String desc = in.path("description").asString("");
                String cmd = cut(in.path("command").asString(""), 200);
                out = (desc.isBlank() ? "" : inert(desc) + "\n") + "`"
                        + inert(cmd).replace("`", "'") + "`";
            }
            case "Write", "Edit", "MultiEdit", "Read", "NotebookEdit" ->
                out = "File: `"
                        + inert(in.path("file_path")
                                .asString(in.path("notebook_path").asString(""))) + "`";
            default -> {
                List<String> parts = new ArrayList<>();
                Iterator<Map.Entry<String, JsonNode>> fields = in.properties().iterator();
                while (fields.hasNext() && parts.size() < 5) {
                    Map.Entry<String, JsonNode> f = fields.next();
                    String v = f.getValue().isString()
                            ? f.getValue().asString()
                            : f.getValue().toString();
                    parts.add("**" + inert(f.getKey()) + ":** `"
                            + inert(cut(v, 100)).replace("`", "'") + "`");
                }
                out = String.join("\n", parts);
            }
        }
        return out.isBlank() ? "Claude needs your permission" : out;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return cut(nl < 0 ? s : s.substring(0, nl), 120);
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    /** Lark markup (mentions, links) in a tool's input is shown, not obeyed. */
    static String inert(String s) {
        return s.replace("<", "&#60;").replace(">", "&#62;");
    }
}
