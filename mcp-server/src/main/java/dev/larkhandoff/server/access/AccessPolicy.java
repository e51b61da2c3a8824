package dev.larkhandoff.server.access;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who may reach an agent: the policy for direct messages and for groups, the allowlist, per-group rules and the
 * pairing requests waiting for the operator. Stored as {@code <home>/access.json}, camelCase keys.
 */
public record AccessPolicy(
        DmPolicy dmPolicy,
        GroupPolicy groupPolicy,
        List<String> allowFrom,
        Map<String, GroupRule> groups,
        Map<String, PendingPairing> pending) {

    /** Direct messages: pair unknown senders, allow only the allowlist, or refuse all. */
    public enum DmPolicy {
        @JsonProperty("pairing")
        PAIRING,
        @JsonProperty("allowlist")
        ALLOWLIST,
        @JsonProperty("disabled")
        DISABLED
    }

    /** Groups: configured groups only, any group the allowlisted user speaks in, or none. */
    public enum GroupPolicy {
        @JsonProperty("allowlist")
        ALLOWLIST,
        @JsonProperty("follow-user")
        FOLLOW_USER,
        @JsonProperty("block")
        BLOCK
    }

    /**
     * A configured group: whether the bot must be @-mentioned, and who may speak there: the open_ids listed; with
     * none listed (empty or absent), the global allowlist; with {@value #ANYONE} listed, every member of the group.
     */
    public record GroupRule(Boolean requireMention, List<String> allowFrom) {
        /** In a group's allowFrom: every member of the group may reach the agents. */
        public static final String ANYONE = "*";

        public GroupRule {
            requireMention = requireMention == null ? Boolean.TRUE : requireMention;
            allowFrom = allowFrom == null ? List.of() : List.copyOf(allowFrom);
        }

        /** Whether every member of the group may reach the agents (doctor warns about such groups). */
        public boolean opensToAnyone() {
            return allowFrom.contains(ANYONE);
        }
    }

    /** A pairing code waiting for the operator's approval. */
    public record PendingPairing(
            Kind kind, String senderId, String chatId, long createdAt, long expiresAt, int replies) {
        /** What approving the code allows: a person's direct messages, or a group. */
        public enum Kind {
            @JsonProperty("dm")
            DM,
            @JsonProperty("group")
            GROUP
        }

        public PendingPairing {
            kind = kind == null ? Kind.DM : kind;
        }
    }

    public AccessPolicy {
        dmPolicy = dmPolicy == null ? DmPolicy.PAIRING : dmPolicy;
        groupPolicy = groupPolicy == null ? GroupPolicy.ALLOWLIST : groupPolicy;
        allowFrom = allowFrom == null ? List.of() : List.copyOf(allowFrom);
        groups = groups == null ? Map.of() : Map.copyOf(groups);
        Map<String, PendingPairing> kept = new LinkedHashMap<>();
        if (pending != null) {
            // An entry without a sender cannot be approved into anything: it is dropped.
            pending.forEach((code, p) -> {
                if (p != null && p.senderId() != null && !p.senderId().isBlank()) {
                    kept.put(code, p);
                }
            });
        }
        pending = Map.copyOf(kept);
    }

    public static AccessPolicy defaults() {
        return new AccessPolicy(null, null, null, null, null);
    }

    public AccessPolicy withPending(Map<String, PendingPairing> newPending) {
        return new AccessPolicy(dmPolicy, groupPolicy, allowFrom, groups, newPending);
    }

    public AccessPolicy withAllowFrom(List<String> newAllowFrom) {
        return new AccessPolicy(dmPolicy, groupPolicy, newAllowFrom, groups, pending);
    }

    public AccessPolicy withGroups(Map<String, GroupRule> newGroups) {
        return new AccessPolicy(dmPolicy, groupPolicy, allowFrom, newGroups, pending);
    }
}
