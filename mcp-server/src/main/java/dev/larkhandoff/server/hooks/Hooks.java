package dev.larkhandoff.server.hooks;

import dev.larkhandoff.lark.card.CardColor;
import dev.larkhandoff.lark.card.Cards;
import dev.larkhandoff.lark.card.MarkdownCard;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.handoff.HandoffException;
import dev.larkhandoff.server.handoff.HandoffOutbox;
import dev.larkhandoff.server.handoff.StopFlags;
import dev.larkhandoff.server.workspace.GroupConfig;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.handoff.BindingRepository;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Claude Code's hooks as the daemon answers them, in Claude Code's own JSON: PreToolUse is denied while the user's
 * Stop is pending, PermissionRequest is asked in the handoff group, PostToolUse / PostToolUseFailure are shown in
 * the group by its filter level (answered at once; the card follows). A hook of a session without a handoff gets no
 * answer (empty), which Claude Code reads as "carry on as usual": the terminal prompt, the tool call.
 */
public final class Hooks {

    private static final Logger log = LoggerFactory.getLogger(Hooks.class);
    static final String STOPPED = "Stopped by user from Lark. The user pressed Stop on the working card.";

    /** Who the hook is for, beyond its input: what the hook process's environment says. */
    public record Caller(String explicitSessionId, String projectDir) {}

    private final BindingRepository bindings;
    private final StopFlags stopFlags;
    private final PermissionBridge permissions;
    private final GroupConfig config;
    private final HandoffOutbox outbox;
    /** One thread: forwarded calls reach the group in the order they ran, and the hook answers at once. */
    private final ExecutorService forwarding = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "hook-forwarding");
        t.setDaemon(true);
        return t;
    });

    public Hooks(
            BindingRepository bindings,
            StopFlags stopFlags,
            PermissionBridge permissions,
            GroupConfig config,
            HandoffOutbox outbox) {
        this.bindings = bindings;
        this.stopFlags = stopFlags;
        this.permissions = permissions;
        this.config = config;
        this.outbox = outbox;
    }

    /** Answers one hook; empty when it has nothing to say. */
    public Optional<ObjectNode> handle(String event, JsonNode input, Caller caller) throws InterruptedException {
        String projectDir = caller.projectDir() != null ? caller.projectDir() : text(input, "cwd");
        Optional<Binding> binding =
                HookSessions.binding(bindings, caller.explicitSessionId(), text(input, "session_id"), projectDir);
        if (event.equals("PermissionWithdrawn")) {
            // Not Claude Code's: a client whose own prompt was answered first (the OpenCode plugin) says so. Taken
            // even when the handoff has just ended, so the ask still waiting stops taking the chat's answers.
            binding.map(Binding::sessionId)
                    .or(() -> Optional.ofNullable(caller.explicitSessionId()).map(HookSessions::explicitId))
                    .ifPresent(id -> permissions.withdraw(id, text(input, "request_id")));
            return Optional.empty();
        }
        if (binding.isEmpty()) {
            return Optional.empty();
        }
        return switch (event) {
            // The handoff's own tools stay allowed: the agent must still be able to tell the user it stopped
            // (its next message is also what clears the flag).
            case "PreToolUse" ->
                stopFlags.isRaised(binding.get().chatId())
                                && !ToolForwarding.isOwnTool(String.valueOf(text(input, "tool_name")))
                        ? Optional.of(preToolUseDeny(STOPPED))
                        : Optional.empty();
            case "PermissionRequest" -> permission(binding.get(), input);
            case "SessionStart" -> Optional.of(sessionStart(binding.get()));
            case "SessionEnd" -> {
                sessionEnd(binding.get());
                yield Optional.empty();
            }
            case "Notification" -> {
                notification(binding.get(), input, projectDir);
                yield Optional.empty();
            }
            case "PreCompact" -> {
                String trigger = String.valueOf(text(input, "trigger"));
                post(
                        binding.get(),
                        Cards.status(
                                "Context compacting...",
                                switch (trigger) {
                                    case "auto" -> "Context window is full. Auto-compacting conversation history.";
                                    case "manual" -> "Compacting the conversation history, as asked.";
                                    default -> "Compacting the conversation history."; // a client that does not say why
                                },
                                CardColor.ORANGE),
                        "Context compacting...");
                yield Optional.empty();
            }
            case "PostToolUse", "PostToolUseFailure" -> {
                forward(binding.get(), input, event.equals("PostToolUseFailure"), projectDir);
                yield Optional.empty();
            }
            default -> Optional.empty();
        };
    }

    /**
     * Claude Code's channel permission relay ({@code notifications/claude/channel/permission_request}) for a session
     * holding a handoff: the same card and answers as the PermissionRequest hook. Empty when there is no handoff or
     * no answer in time, so the terminal's dialog decides.
     */
    public Optional<String> relayPermission(String sessionId, JsonNode params) throws InterruptedException {
        Optional<Binding> binding = bindings.findBySession(sessionId);
        if (binding.isEmpty()) {
            return Optional.empty();
        }
        JsonNode toolInput;
        String preview = text(params, "input_preview");
        try {
            toolInput = preview == null
                    ? ServerJson.mapper().createObjectNode()
                    : ServerJson.mapper().readTree(preview);
        } catch (RuntimeException e) {
            toolInput = ServerJson.mapper().createObjectNode().put("input", preview);
        }
        if (toolInput.isObject() && text(params, "description") != null && !toolInput.has("description")) {
            ((ObjectNode) toolInput).put("description", text(params, "description"));
        }
        try {
            PermissionBridge.Outcome outcome =
                    permissions.ask(binding.get(), new PermissionBridge.Request(text(params, "tool_name"), toolInput));
            return outcome instanceof PermissionBridge.Outcome.Answered a
                    ? Optional.of(a.answer() == PermissionAnswer.DENY ? "deny" : "allow")
                    : Optional.empty();
        } catch (HandoffException e) {
            log.warn("channel permission request could not be asked in Lark: {}", e.getMessage());
            return Optional.empty();
        }
    }

    /** A session that starts (or resumes) while it holds a handoff is told so, and how to go on. */
    private static ObjectNode sessionStart(Binding binding) {
        ObjectNode out = ServerJson.mapper().createObjectNode();
        out.putObject("hookSpecificOutput")
                .put("hookEventName", "SessionStart")
                .put(
                        "additionalContext",
                        "[Handoff active] This session is handed off to the Lark group " + binding.chatId()
                                + ": the user "
                                + "talks to you there, not in the terminal. Resume the loop: call wait_for_reply (replies you "
                                + "had not answered come again), answer each batch with send_and_wait, and on "
                                + "{\"timeout\": true} call wait_for_reply again silently. Hand back with handoff_end only "
                                + "when the user says so.");
        return out;
    }

    /** The session ended: the handoff ends with it, and the group is told (nobody is listening any more). */
    private void sessionEnd(Binding binding) {
        try {
            outbox.finishWorking(binding.chatId());
            outbox.clearThinking(binding.chatId());
            outbox.send(
                    binding.chatId(),
                    binding.sessionId(),
                    Cards.status(
                            "Session Ended",
                            "The Claude session has " + "ended. Start a new session and hand off again to reconnect.",
                            CardColor.GREY),
                    "status",
                    "Session Ended",
                    "session ended");
        } catch (RuntimeException e) {
            log.info("could not post the session-ended card to {}: {}", binding.chatId(), e.getMessage());
        }
        bindings.release(binding.chatId(), binding.sessionId());
        stopFlags.clear(binding.chatId());
    }

    /** The notifications worth a phone's attention; the rest (idle, permission prompts) send nothing. */
    private void notification(Binding binding, JsonNode input, String projectDir) {
        String type = text(input, "notification_type");
        CardColor color = switch (type == null ? "" : type) {
            case "elicitation_dialog" -> CardColor.PURPLE;
            case "quota_exceeded" -> CardColor.RED;
            case "usage_warning", "rate_limit" -> CardColor.ORANGE;
            default -> null;
        };
        if (color == null) {
            return;
        }
        String message = text(input, "message") == null ? "Claude Code needs your attention" : text(input, "message");
        String worktree = projectDir == null
                ? ""
                : java.nio.file.Path.of(projectDir).getFileName().toString();
        post(binding, Cards.status("[" + worktree + "] " + message, message, color), message);
    }

    private void post(Binding binding, ObjectNode card, String title) {
        forwarding.execute(() -> {
            try {
                outbox.send(binding.chatId(), binding.sessionId(), card, "status", title, title);
            } catch (RuntimeException e) {
                log.info("could not post '{}' to {}: {}", title, binding.chatId(), e.getMessage());
            }
        });
    }

    /** Shows the call in the group (or on the working card) in the background; a failure there is only logged. */
    private void forward(Binding binding, JsonNode input, boolean failed, String projectDir) {
        String chatId = binding.chatId();
        forwarding.execute(() -> {
            try {
                if (stopFlags.isRaised(chatId)) {
                    return; // the user asked to stop: no more tool chatter
                }
                ToolForwarding.Outcome outcome = ToolForwarding.decide(
                        input, failed, config.settings(chatId).filter(), projectDir);
                if (outcome instanceof ToolForwarding.Outcome.Working w) {
                    outbox.working(chatId, binding.sessionId(), w.summary());
                } else if (outcome instanceof ToolForwarding.Outcome.Post p) {
                    MarkdownCard card = MarkdownCard.of(p.markdown());
                    outbox.send(
                            chatId,
                            binding.sessionId(),
                            (p.title() == null ? card : card.titled(p.title(), p.color())).toJson(),
                            "tool",
                            p.title(),
                            p.markdown());
                }
            } catch (RuntimeException e) {
                log.info(
                        "could not forward {} to {}: {}",
                        input.path("tool_name").asString(""),
                        chatId,
                        e.getMessage());
            }
        });
    }

    /** Claude Code's decision for a request; empty when the client's own prompt was answered first. */
    private Optional<ObjectNode> permission(Binding binding, JsonNode input) throws InterruptedException {
        String tool = text(input, "tool_name");
        PermissionBridge.Outcome outcome;
        try {
            outcome = permissions.ask(
                    binding, new PermissionBridge.Request(tool, input.path("tool_input"), text(input, "request_id")));
        } catch (HandoffException e) {
            log.warn("permission request for {} could not be asked in Lark: {}", tool, e.getMessage());
            return Optional.of(
                    permissionDecision(deny(tool, "failed to send the permission request to Lark: " + e.getMessage())));
        }
        if (outcome instanceof PermissionBridge.Outcome.Withdrawn) {
            return Optional.empty();
        }
        if (!(outcome instanceof PermissionBridge.Outcome.Answered answered)) {
            return Optional.of(permissionDecision(
                    deny(tool, "no answer within " + permissions.timeout().toSeconds() + " s")));
        }
        ObjectNode decision = ServerJson.mapper().createObjectNode();
        switch (answered.answer()) {
            case ALLOW -> decision.put("behavior", "allow");
            case ALWAYS -> {
                decision.put("behavior", "allow");
                JsonNode suggestions = input.path("permission_suggestions");
                if (suggestions.isArray() && !suggestions.isEmpty()) {
                    decision.set("updatedPermissions", suggestions);
                }
            }
            case DENY -> decision = deny(tool, null);
        }
        return Optional.of(permissionDecision(decision));
    }

    private static ObjectNode deny(String tool, String reason) {
        return ServerJson.mapper()
                .createObjectNode()
                .put("behavior", "deny")
                .put(
                        "message",
                        "Permission to use " + (tool == null ? "the tool" : tool) + " was denied via Lark."
                                + (reason == null ? "" : " (" + reason + ")"));
    }

    private static ObjectNode permissionDecision(ObjectNode decision) {
        ObjectNode out = ServerJson.mapper().createObjectNode();
        out.putObject("hookSpecificOutput")
                .put("hookEventName", "PermissionRequest")
                .set("decision", decision);
        return out;
    }

    private static ObjectNode preToolUseDeny(String reason) {
        ObjectNode out = ServerJson.mapper().createObjectNode();
        out.putObject("hookSpecificOutput")
                .put("hookEventName", "PreToolUse")
                .put("permissionDecision", "deny")
                .put("permissionDecisionReason", reason);
        return out;
    }

    private static String text(JsonNode input, String field) {
        JsonNode v = input == null ? null : input.get(field);
        return v != null && v.isString() && !v.asString().isBlank() ? v.asString() : null;
    }
}
