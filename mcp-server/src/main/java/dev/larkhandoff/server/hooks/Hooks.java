package dev.larkhandoff.server.hooks;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.lark.card.MarkdownCard;
import dev.larkhandoff.server.handoff.HandoffException;
import dev.larkhandoff.server.handoff.HandoffOutbox;
import dev.larkhandoff.server.workspace.GroupConfig;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import dev.larkhandoff.server.handoff.StopFlags;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.handoff.BindingRepository;
import java.util.Optional;
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
    public record Caller(String explicitSessionId, String projectDir) {
    }

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

    public Hooks(BindingRepository bindings, StopFlags stopFlags, PermissionBridge permissions, GroupConfig config,
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
        Optional<Binding> binding = HookSessions.binding(bindings, caller.explicitSessionId(),
                text(input, "session_id"), projectDir);
        if (binding.isEmpty()) {
            return Optional.empty();
        }
        return switch (event) {
            case "PreToolUse" -> stopFlags.isRaised(binding.get().chatId())
                    ? Optional.of(preToolUseDeny(STOPPED)) : Optional.empty();
            case "PermissionRequest" -> Optional.of(permission(binding.get(), input));
            case "PostToolUse", "PostToolUseFailure" -> {
                forward(binding.get(), input, event.equals("PostToolUseFailure"), projectDir);
                yield Optional.empty();
            }
            default -> Optional.empty();
        };
    }

    /** Shows the call in the group (or on the working card) in the background; a failure there is only logged. */
    private void forward(Binding binding, JsonNode input, boolean failed, String projectDir) {
        String chatId = binding.chatId();
        forwarding.execute(() -> {
            try {
                if (stopFlags.isRaised(chatId)) {
                    return; // the user asked to stop: no more tool chatter, as the seed did
                }
                ToolForwarding.Outcome outcome = ToolForwarding.decide(input, failed,
                        config.settings(chatId).filter(), projectDir);
                if (outcome instanceof ToolForwarding.Outcome.Working w) {
                    outbox.working(chatId, binding.sessionId(), w.summary(),
                            PermissionBridge.approvers(binding, config));
                } else if (outcome instanceof ToolForwarding.Outcome.Post p) {
                    MarkdownCard card = MarkdownCard.of(p.markdown());
                    outbox.send(chatId, binding.sessionId(), (p.title() == null ? card : card.titled(p.title(),
                            p.color())).toJson(), "tool", p.title(), p.markdown());
                }
            } catch (RuntimeException e) {
                log.info("could not forward {} to {}: {}", input.path("tool_name").asString(""), chatId, e.getMessage());
            }
        });
    }

    private ObjectNode permission(Binding binding, JsonNode input) throws InterruptedException {
        String tool = text(input, "tool_name");
        Optional<PermissionAnswer> answer;
        try {
            answer = permissions.ask(binding, new PermissionBridge.Request(tool, input.path("tool_input")));
        } catch (HandoffException e) {
            log.warn("permission request for {} could not be asked in Lark: {}", tool, e.getMessage());
            return permissionDecision(deny(tool, "failed to send the permission request to Lark: " + e.getMessage()));
        }
        if (answer.isEmpty()) {
            return permissionDecision(deny(tool, "no answer within " + permissions.timeout().toSeconds() + " s"));
        }
        ObjectNode decision = ServerJson.mapper().createObjectNode();
        switch (answer.get()) {
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
        return permissionDecision(decision);
    }

    private static ObjectNode deny(String tool, String reason) {
        return ServerJson.mapper().createObjectNode().put("behavior", "deny").put("message", "Permission to use "
                + (tool == null ? "the tool" : tool) + " was denied via Lark." + (reason == null ? "" : " (" + reason + ")"));
    }

    private static ObjectNode permissionDecision(ObjectNode decision) {
        ObjectNode out = ServerJson.mapper().createObjectNode();
        out.putObject("hookSpecificOutput").put("hookEventName", "PermissionRequest").set("decision", decision);
        return out;
    }

    private static ObjectNode preToolUseDeny(String reason) {
        ObjectNode out = ServerJson.mapper().createObjectNode();
        out.putObject("hookSpecificOutput").put("hookEventName", "PreToolUse").put("permissionDecision", "deny")
                .put("permissionDecisionReason", reason);
        return out;
    }

    private static String text(JsonNode input, String field) {
        JsonNode v = input == null ? null : input.get(field);
        return v != null && v.isString() && !v.asString().isBlank() ? v.asString() : null;
    }
}
