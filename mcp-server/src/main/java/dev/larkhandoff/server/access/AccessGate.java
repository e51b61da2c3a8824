package dev.larkhandoff.server.access;

import dev.larkhandoff.server.access.AccessPolicy.GroupPolicy;
import dev.larkhandoff.server.access.AccessPolicy.GroupRule;
import dev.larkhandoff.server.access.AccessPolicy.PendingPairing;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Decides, for one inbound message, whether it reaches an agent, is kept from it (with the reason), or starts a
 * pairing. A pure function of the message, the policy and the time; the caller persists a changed policy.
 */
public final class AccessGate {

    public static final int MAX_PAIRING_REPLIES = 2;
    public static final int MAX_PENDING = 10;
    public static final Duration PAIRING_TTL = Duration.ofHours(1);

    /** What the gate needs to know about a message. {@code botOpenId} may be null while the bot is unknown. */
    public record Message(
            String senderId,
            String senderType,
            String chatId,
            String chatType,
            List<String> mentionedOpenIds,
            String botOpenId,
            Set<String> observedBotIds) {
        public Message {
            mentionedOpenIds = mentionedOpenIds == null ? List.of() : List.copyOf(mentionedOpenIds);
            observedBotIds = observedBotIds == null ? Set.of() : Set.copyOf(observedBotIds);
        }
    }

    /** The verdict. */
    public sealed interface Decision {
        record Deliver() implements Decision {}

        record Drop(String reason) implements Decision {}

        /** Send {@code code} to the sender (or group) so the operator can approve it. */
        record Pair(String code, boolean isResend, PendingPairing.Kind kind) implements Decision {}
    }

    /** The verdict and the policy after it (pruned, or with a new pairing); {@code changed} says to save it. */
    public record Result(Decision decision, AccessPolicy access, boolean changed) {}

    private AccessGate() {}

    public static Result gate(Message m, AccessPolicy access, long now, Supplier<String> newCode) {
        Map<String, PendingPairing> pending = new LinkedHashMap<>(access.pending());
        boolean changed = pending.values().removeIf(p -> p.expiresAt() <= now);
        AccessPolicy pruned = changed ? access.withPending(pending) : access;

        if (m.senderId() == null || m.senderId().isBlank()) {
            return drop("missing sender id", pruned, changed);
        }
        if ("p2p".equals(m.chatType())) {
            return direct(m, pruned, pending, changed, now, newCode);
        }
        if ("group".equals(m.chatType())) {
            return group(m, pruned, pending, changed, now, newCode);
        }
        return drop("unsupported chat type: " + m.chatType(), pruned, changed);
    }

    private static Result direct(
            Message m,
            AccessPolicy access,
            Map<String, PendingPairing> pending,
            boolean changed,
            long now,
            Supplier<String> newCode) {
        switch (access.dmPolicy()) {
            case DISABLED:
                return drop("direct messages disabled", access, changed);
            case ALLOWLIST:
                return access.allowFrom().contains(m.senderId())
                        ? deliver(access, changed)
                        : drop("sender not on allowlist", access, changed);
            default:
                break;
        }
        if (access.allowFrom().contains(m.senderId())) {
            return deliver(access, changed);
        }
        for (Map.Entry<String, PendingPairing> e : pending.entrySet()) {
            PendingPairing p = e.getValue();
            if (p.kind() == PendingPairing.Kind.DM && p.senderId().equals(m.senderId())) {
                if (p.replies() >= MAX_PAIRING_REPLIES) {
                    return drop("pairing reply cap reached", access, changed);
                }
                pending.put(
                        e.getKey(),
                        new PendingPairing(
                                p.kind(), p.senderId(), p.chatId(), p.createdAt(), p.expiresAt(), p.replies() + 1));
                return new Result(
                        new Decision.Pair(e.getKey(), true, PendingPairing.Kind.DM), access.withPending(pending), true);
            }
        }
        if (pending.size() >= MAX_PENDING) {
            return drop("too many pending pairings", access, changed);
        }
        String code = newCode.get();
        pending.put(
                code,
                new PendingPairing(
                        PendingPairing.Kind.DM, m.senderId(), m.chatId(), now, now + PAIRING_TTL.toMillis(), 1));
        return new Result(new Decision.Pair(code, false, PendingPairing.Kind.DM), access.withPending(pending), true);
    }

    private static Result group(
            Message m,
            AccessPolicy access,
            Map<String, PendingPairing> pending,
            boolean changed,
            long now,
            Supplier<String> newCode) {
        if (access.groupPolicy() == GroupPolicy.BLOCK) {
            return drop("group messages are blocked (groupPolicy: block)", access, changed);
        }
        boolean botKnown = m.botOpenId() != null && !m.botOpenId().isBlank();
        boolean mentioned = botKnown && m.mentionedOpenIds().contains(m.botOpenId());
        if (access.groupPolicy() == GroupPolicy.FOLLOW_USER) {
            if (!botKnown) {
                return drop("group message requires an @-mention but the bot open_id is unknown", access, changed);
            }
            if (!mentioned) {
                return drop("bot not mentioned", access, changed);
            }
            boolean trustedBot = ("bot".equals(m.senderType()) || "app".equals(m.senderType()))
                    && m.observedBotIds().contains(m.senderId());
            return access.allowFrom().contains(m.senderId()) || trustedBot
                    ? deliver(access, changed)
                    : drop("sender not on allowlist", access, changed);
        }
        GroupRule rule = access.groups().get(m.chatId());
        if (rule != null) {
            // No list of its own means the global allowlist, never everyone: opening a group takes the wildcard.
            if (rule.allowFrom().isEmpty()) {
                if (!access.allowFrom().contains(m.senderId())) {
                    return drop("sender not on allowlist (the group has no allowFrom of its own)", access, changed);
                }
            } else if (!rule.opensToAnyone() && !rule.allowFrom().contains(m.senderId())) {
                return drop("sender not allowed in this group", access, changed);
            }
            if (rule.requireMention()) {
                if (!botKnown) {
                    return drop("group requires an @-mention but the bot open_id is unknown", access, changed);
                }
                if (!mentioned) {
                    return drop("bot not mentioned", access, changed);
                }
            }
            return deliver(access, changed);
        }
        if (!botKnown) {
            return drop("unconfigured group; bot open_id is unknown, so a mention cannot be detected", access, changed);
        }
        if (!mentioned) {
            return drop("unconfigured group; bot not mentioned", access, changed);
        }
        boolean alreadyPending = pending.values().stream()
                .anyMatch(
                        p -> p.kind() == PendingPairing.Kind.GROUP && m.chatId().equals(p.chatId()));
        if (alreadyPending) {
            return drop("group pairing already pending", access, changed);
        }
        if (pending.size() >= MAX_PENDING) {
            return drop("too many pending pairings", access, changed);
        }
        String code = newCode.get();
        pending.put(
                code,
                new PendingPairing(
                        PendingPairing.Kind.GROUP, m.senderId(), m.chatId(), now, now + PAIRING_TTL.toMillis(), 1));
        return new Result(new Decision.Pair(code, false, PendingPairing.Kind.GROUP), access.withPending(pending), true);
    }

    /**
     * The operator approves a code: a DM code allows its sender, a group code configures its group (mention
     * required, every member may speak: allowFrom is the wildcard, so the file says the group is open). Returns the new policy, or null when the code is unknown or expired.
     */
    public static AccessPolicy approve(AccessPolicy access, String code, long now) {
        PendingPairing p = access.pending().get(code);
        if (p == null || p.expiresAt() <= now) {
            return null;
        }
        Map<String, PendingPairing> pending = new LinkedHashMap<>(access.pending());
        pending.remove(code);
        AccessPolicy next = access.withPending(pending);
        if (p.kind() == PendingPairing.Kind.DM) {
            List<String> allow = new java.util.ArrayList<>(next.allowFrom());
            if (!allow.contains(p.senderId())) {
                allow.add(p.senderId());
            }
            return next.withAllowFrom(allow);
        }
        Map<String, GroupRule> groups = new LinkedHashMap<>(next.groups());
        groups.put(p.chatId(), new GroupRule(true, List.of(GroupRule.ANYONE)));
        return next.withGroups(groups);
    }

    private static Result deliver(AccessPolicy access, boolean changed) {
        return new Result(new Decision.Deliver(), access, changed);
    }

    private static Result drop(String reason, AccessPolicy access, boolean changed) {
        return new Result(new Decision.Drop(reason), access, changed);
    }
}
