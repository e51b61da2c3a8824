package dev.larkhandoff.server.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.server.workspace.WorkspaceException.Problem;
import dev.larkhandoff.store.handoff.Binding;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a binding keeps for the need-mention rule (the flag, the bot's and the operator's open ids; a takeover keeps
 * them) and
 * sidecar detection: need-mention is off in a group the bot owns or of at most two people, on otherwise; discover-bot's
 * external groups (no workspace tag, operator a member).
 */
class SidecarGroupTest {

    @RegisterExtension
    final WorkspaceLevel world = new WorkspaceLevel();

    private GroupDirectory directory;
    private EmuUser bob;
    private EmuUser carol;

    @BeforeEach
    void start() {
        directory = world.directory();
        bob = world.lark.control().addUser("Bob");
        carol = world.lark.control().addUser("Carol");
    }

    private Binding sidecar(EmuChat chat, String sessionId) {
        StartOutcome outcome = directory.startSidecar(chat.chatId, world.agent(sessionId));
        assertThat(outcome).isInstanceOf(StartOutcome.Ready.class);
        return ((StartOutcome.Ready) outcome).binding();
    }

    @Test
    void given_an_external_group_of_three_people_when_binding_a_sidecar_then_the_bot_must_be_mentioned() {
        EmuChat team = world.externalGroup("team", bob, world.operator, carol);

        Binding bound = sidecar(team, "s1");

        assertThat(bound.needMention()).isTrue();
        assertThat(bound.botOpenId()).isEqualTo(world.lark.app().botOpenId());
        assertThat(bound.operatorOpenId()).isEqualTo(world.operator.openId());
        assertThat(world.store().bindings().find(team.chatId).orElseThrow().needMention())
                .isTrue();
    }

    @Test
    void given_an_external_group_of_two_people_when_binding_a_sidecar_then_no_mention_is_needed() {
        EmuChat pair = world.externalGroup("pair", bob, world.operator);

        assertThat(sidecar(pair, "s1").needMention()).isFalse();
    }

    @Test
    void given_a_crowded_group_the_bot_owns_when_binding_a_sidecar_then_no_mention_is_needed() {
        EmuChat owned = world.botGroup("bot's own", "", world.operator, bob, carol);

        assertThat(sidecar(owned, "s1").needMention()).isFalse();
    }

    @Test
    void given_a_sidecar_taken_over_then_the_new_binding_detects_need_mention_too() {
        EmuChat team = world.externalGroup("team", bob, world.operator, carol);
        sidecar(team, "s1");

        TakeoverOutcome outcome = directory.takeover(team.chatId, world.agent("s2"), "s1");

        assertThat(outcome).isInstanceOfSatisfying(TakeoverOutcome.TookOver.class, took -> {
            assertThat(took.binding().needMention()).isTrue();
            assertThat(took.binding().botOpenId()).isEqualTo(world.lark.app().botOpenId());
        });
    }

    @Test
    void given_a_sidecar_held_by_another_session_when_binding_then_it_is_offered_as_a_choice() {
        EmuChat team = world.externalGroup("team", bob, world.operator, carol);
        sidecar(team, "s1");

        StartOutcome outcome = directory.startSidecar(team.chatId, world.agent("s2"));

        assertThat(outcome)
                .isInstanceOfSatisfying(
                        StartOutcome.Choose.class,
                        c -> assertThat(c.occupied())
                                .singleElement()
                                .satisfies(g -> assertThat(g.holder()).isEqualTo("s1")));
    }

    @Test
    void given_groups_that_cannot_be_sidecars_when_binding_then_each_is_refused_with_its_reason() {
        EmuChat workspaceGroup = world.workspaceGroup("api@mac");
        assertThatThrownBy(() -> directory.startSidecar(workspaceGroup.chatId, world.agent("s1")))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.NOT_A_SIDECAR))
                .hasMessageContaining(world.workspace.id());

        EmuChat withoutOperator = world.externalGroup("others", bob, carol);
        assertThatThrownBy(() -> directory.startSidecar(withoutOperator.chatId, world.agent("s1")))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.OPERATOR_NOT_IN_CHAT))
                .hasMessageContaining(world.operator.openId());

        EmuChat botLeft = world.externalGroup("left", bob, world.operator);
        world.lark.control().removeBot(botLeft.chatId, bob);
        assertThatThrownBy(() -> directory.startSidecar(botLeft.chatId, world.agent("s1")))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.BOT_NOT_IN_CHAT));

        assertThatThrownBy(() -> directory.startSidecar("not-a-chat", world.agent("s1")))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.BAD_LARK_ID));
        assertThat(world.store().bindings().all()).isEmpty();
    }

    @Test
    void given_groups_of_all_kinds_then_sidecar_candidates_are_the_untagged_ones_the_operator_is_in() {
        EmuChat team = world.externalGroup("team", bob, world.operator);
        world.externalGroup("others", bob, carol);
        world.workspaceGroup("api@mac");

        assertThat(directory.sidecarCandidates())
                .extracting(WorkspaceGroup::chatId)
                .containsExactly(team.chatId);
    }
}
