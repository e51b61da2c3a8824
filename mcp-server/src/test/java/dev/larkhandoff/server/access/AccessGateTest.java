package dev.larkhandoff.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.access.AccessGate.Decision;
import dev.larkhandoff.server.access.AccessGate.Message;
import dev.larkhandoff.server.access.AccessPolicy.DmPolicy;
import dev.larkhandoff.server.access.AccessPolicy.GroupPolicy;
import dev.larkhandoff.server.access.AccessPolicy.GroupRule;
import dev.larkhandoff.server.access.AccessPolicy.PendingPairing;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The access gate's verdicts case by case: direct-message policies, pairing codes, group policies and rules. */
class AccessGateTest {

    private static final String BOT = "ou_bot";
    private static final long NOW = 1_000_000L;
    private final AtomicInteger codes = new AtomicInteger();
    private final Supplier<String> newCode = () -> "code" + codes.incrementAndGet();

    private static Message dm(String sender) {
        return new Message(sender, "user", "oc_dm_" + sender, "p2p", List.of(), BOT, Set.of());
    }

    private static Message group(String sender, String chat, boolean mentionsBot) {
        return new Message(
                sender, "user", chat, "group", mentionsBot ? List.of(BOT) : List.of("ou_other"), BOT, Set.of());
    }

    private static AccessPolicy policy(DmPolicy dm, GroupPolicy gp, List<String> allow, Map<String, GroupRule> groups) {
        return new AccessPolicy(dm, gp, allow, groups, null);
    }

    private AccessGate.Result gate(Message m, AccessPolicy p) {
        return AccessGate.gate(m, p, NOW, newCode);
    }

    @Test
    void given_basic_bad_input_then_it_is_dropped_with_the_reason() {
        assertThat(gate(dm(""), AccessPolicy.defaults()).decision()).isEqualTo(new Decision.Drop("missing sender id"));
        assertThat(gate(new Message("ou_a", "user", "oc", "topic", List.of(), BOT, Set.of()), AccessPolicy.defaults())
                        .decision())
                .isEqualTo(new Decision.Drop("unsupported chat type: topic"));
    }

    @Test
    void given_direct_messages_then_disabled_allowlist_and_allowlisted_senders_behave() {
        assertThat(gate(dm("ou_a"), policy(DmPolicy.DISABLED, null, List.of("ou_a"), null))
                        .decision())
                .isEqualTo(new Decision.Drop("direct messages disabled"));
        assertThat(gate(dm("ou_a"), policy(DmPolicy.ALLOWLIST, null, List.of("ou_a"), null))
                        .decision())
                .isEqualTo(new Decision.Deliver());
        assertThat(gate(dm("ou_b"), policy(DmPolicy.ALLOWLIST, null, List.of("ou_a"), null))
                        .decision())
                .isEqualTo(new Decision.Drop("sender not on allowlist"));
        assertThat(gate(dm("ou_a"), policy(DmPolicy.PAIRING, null, List.of("ou_a"), null))
                        .decision())
                .isEqualTo(new Decision.Deliver());
    }

    @Test
    void given_pairing_then_a_stranger_gets_a_code_then_one_resend_then_silence() {
        var first = gate(dm("ou_x"), AccessPolicy.defaults());
        var second = gate(dm("ou_x"), first.access());
        var third = gate(dm("ou_x"), second.access());

        assertThat(first.decision()).isEqualTo(new Decision.Pair("code1", false, PendingPairing.Kind.DM));
        assertThat(first.changed()).isTrue();
        assertThat(first.access().pending().get("code1").expiresAt()).isEqualTo(NOW + 3_600_000);
        assertThat(second.decision()).isEqualTo(new Decision.Pair("code1", true, PendingPairing.Kind.DM));
        assertThat(third.decision()).isEqualTo(new Decision.Drop("pairing reply cap reached"));
    }

    @Test
    void given_ten_pending_pairings_then_the_eleventh_stranger_is_dropped_and_expired_ones_are_pruned() {
        Map<String, PendingPairing> pending = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            pending.put("p" + i, new PendingPairing(PendingPairing.Kind.DM, "ou_" + i, "oc", 0, NOW + 1, 1));
        }
        AccessPolicy full = AccessPolicy.defaults().withPending(pending);

        assertThat(gate(dm("ou_new"), full).decision()).isEqualTo(new Decision.Drop("too many pending pairings"));
        var later = AccessGate.gate(dm("ou_new"), full, NOW + 1, newCode);
        assertThat(later.changed()).isTrue();
        assertThat(later.decision()).isInstanceOf(Decision.Pair.class);
        assertThat(later.access().pending()).hasSize(1);
    }

    @Test
    void given_group_policies_then_block_and_follow_user_behave() {
        assertThat(gate(group("ou_a", "oc_g", true), policy(null, GroupPolicy.BLOCK, null, null))
                        .decision())
                .isEqualTo(new Decision.Drop("group messages are blocked (groupPolicy: block)"));
        AccessPolicy follow = policy(null, GroupPolicy.FOLLOW_USER, List.of("ou_a"), null);
        assertThat(gate(group("ou_a", "oc_g", true), follow).decision()).isEqualTo(new Decision.Deliver());
        assertThat(gate(group("ou_a", "oc_g", false), follow).decision())
                .isEqualTo(new Decision.Drop("bot not mentioned"));
        assertThat(gate(group("ou_b", "oc_g", true), follow).decision())
                .isEqualTo(new Decision.Drop("sender not on allowlist"));
        Message fromBot =
                new Message("ou_other_bot", "app", "oc_g", "group", List.of(BOT), BOT, Set.of("ou_other_bot"));
        assertThat(gate(fromBot, follow).decision()).as("an introduced bot").isEqualTo(new Decision.Deliver());
        Message unknownBot = new Message("ou_a", "user", "oc_g", "group", List.of(BOT), null, Set.of());
        assertThat(gate(unknownBot, follow).decision())
                .isEqualTo(new Decision.Drop("group message requires an @-mention but the bot open_id is unknown"));
    }

    @Test
    void given_a_configured_group_then_its_allowlist_and_mention_rule_apply() {
        AccessPolicy p = policy(
                null,
                GroupPolicy.ALLOWLIST,
                null,
                Map.of(
                        "oc_strict", new GroupRule(true, List.of("ou_a")),
                        "oc_open", new GroupRule(false, List.of("*"))));

        assertThat(gate(group("ou_b", "oc_strict", true), p).decision())
                .isEqualTo(new Decision.Drop("sender not allowed in this group"));
        assertThat(gate(group("ou_a", "oc_strict", false), p).decision())
                .isEqualTo(new Decision.Drop("bot not mentioned"));
        assertThat(gate(group("ou_a", "oc_strict", true), p).decision()).isEqualTo(new Decision.Deliver());
        assertThat(gate(group("ou_anyone", "oc_open", false), p).decision()).isEqualTo(new Decision.Deliver());
    }

    @Test
    void given_a_group_rule_with_an_empty_or_absent_allowFrom_then_only_the_global_allowlist_speaks_there() {
        AccessPolicy p = policy(
                null,
                GroupPolicy.ALLOWLIST,
                List.of("ou_owner"),
                Map.of(
                        "oc_empty", new GroupRule(false, List.of()),
                        "oc_absent", new GroupRule(false, null)));

        for (String chat : List.of("oc_empty", "oc_absent")) {
            assertThat(gate(group("ou_member", chat, true), p).decision())
                    .as(chat)
                    .isEqualTo(new Decision.Drop("sender not on allowlist (the group has no allowFrom of its own)"));
            assertThat(gate(group("ou_owner", chat, false), p).decision())
                    .as(chat)
                    .isEqualTo(new Decision.Deliver());
        }
    }

    @Test
    void given_a_group_rule_with_the_wildcard_then_every_member_speaks_there_and_the_rule_says_it_is_open() {
        GroupRule open = new GroupRule(true, List.of("*"));
        AccessPolicy p = policy(null, GroupPolicy.ALLOWLIST, List.of("ou_owner"), Map.of("oc_g", open));

        assertThat(gate(group("ou_member", "oc_g", true), p).decision()).isEqualTo(new Decision.Deliver());
        assertThat(gate(group("ou_member", "oc_g", false), p).decision())
                .isEqualTo(new Decision.Drop("bot not mentioned"));
        assertThat(open.opensToAnyone()).isTrue();
        assertThat(new GroupRule(true, List.of()).opensToAnyone()).isFalse();
    }

    @Test
    void given_an_unconfigured_group_then_a_mention_starts_one_group_pairing_and_approval_configures_it() {
        var noMention = gate(group("ou_a", "oc_new", false), AccessPolicy.defaults());
        var first = gate(group("ou_a", "oc_new", true), AccessPolicy.defaults());
        var again = gate(group("ou_b", "oc_new", true), first.access());

        assertThat(noMention.decision()).isEqualTo(new Decision.Drop("unconfigured group; bot not mentioned"));
        assertThat(first.decision()).isEqualTo(new Decision.Pair("code1", false, PendingPairing.Kind.GROUP));
        assertThat(again.decision()).isEqualTo(new Decision.Drop("group pairing already pending"));

        AccessPolicy approved = AccessGate.approve(first.access(), "code1", NOW);
        assertThat(approved.groups().get("oc_new"))
                .as("the operator let the whole group in")
                .isEqualTo(new GroupRule(true, List.of("*")));
        assertThat(approved.pending()).isEmpty();
        assertThat(gate(group("ou_b", "oc_new", true), approved).decision()).isEqualTo(new Decision.Deliver());
    }

    @Test
    void given_a_dm_code_when_approved_then_the_sender_is_allowed_and_expired_codes_are_refused() {
        var paired = gate(dm("ou_x"), AccessPolicy.defaults());

        AccessPolicy approved = AccessGate.approve(paired.access(), "code1", NOW);

        assertThat(approved.allowFrom()).containsExactly("ou_x");
        assertThat(gate(dm("ou_x"), approved).decision()).isEqualTo(new Decision.Deliver());
        assertThat(AccessGate.approve(paired.access(), "code1", NOW + 3_600_000))
                .as("expired")
                .isNull();
        assertThat(AccessGate.approve(paired.access(), "nope", NOW)).isNull();
    }
}
