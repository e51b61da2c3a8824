package dev.larkhandoff.server.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.server.workspace.WorkspaceException.Problem;
import dev.larkhandoff.store.handoff.Binding;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Starting a handoff by the decision tree of {@link GroupDirectory#start}: discovery of the
 * workspace's groups, reuse of an idle group, creation of {@code <worktree>@<machine>} and numbered groups with the
 * operator invited, nothing left behind when setup fails, occupied groups returned as choices, and the claim race of
 * two sessions starting at once.
 */
class GroupStartTest {

    @RegisterExtension
    final WorkspaceLevel world = new WorkspaceLevel();

    private GroupDirectory directory;

    @BeforeEach
    void start() {
        directory = world.directory();
    }

    private StartOutcome start(String sessionId, StartMode mode) {
        return directory.start(world.workspace, StartRequest.of(world.agent(sessionId), mode));
    }

    private static StartOutcome.Ready ready(StartOutcome outcome) {
        assertThat(outcome).isInstanceOf(StartOutcome.Ready.class);
        return (StartOutcome.Ready) outcome;
    }

    @Test
    void given_tagged_and_untagged_groups_when_discovering_then_only_tagged_groups_with_the_operator_are_found() {
        EmuUser stranger = world.lark.control().addUser("Stranger");
        EmuChat mine = world.workspaceGroup("api@mac");
        EmuChat second = world.botGroup("api2@mac", "notes\n" + world.workspace.tag() + "\nmore", world.operator);
        world.botGroup("api3@mac", world.workspace.tag(), stranger);
        world.botGroup("other@mac", world.workspace.tag() + "-native_test2", world.operator);
        world.botGroup("plain", "no tag here", world.operator);
        world.externalGroup("team", world.operator, stranger);
        directory.start(world.workspace, new StartRequest(world.agent("s1"), StartMode.DEFAULT, "api2@mac"));

        List<WorkspaceGroup> groups = directory.discover(world.workspace);

        assertThat(groups).extracting(WorkspaceGroup::chatId).containsExactly(mine.chatId, second.chatId);
        assertThat(groups.get(0).active()).isFalse();
        assertThat(groups.get(1).active()).isTrue();
        assertThat(groups.get(1).holder()).isEqualTo("s1");
    }

    @Test
    void given_an_idle_group_when_starting_then_it_is_reused_and_bound_with_operator_bot_and_model() {
        EmuChat idle = world.workspaceGroup("api@mac");
        int chatsBefore = world.lark.state().chats().size();

        StartOutcome.Ready ready = ready(start("s1", StartMode.DEFAULT));

        assertThat(ready.created()).isFalse();
        assertThat(ready.group().chatId()).isEqualTo(idle.chatId);
        Binding bound = world.store().bindings().find(idle.chatId).orElseThrow();
        assertThat(bound.sessionId()).isEqualTo("s1");
        assertThat(bound.operatorOpenId()).isEqualTo(world.operator.openId());
        assertThat(bound.botOpenId()).isEqualTo(world.lark.app().botOpenId());
        assertThat(bound.model()).as("provider prefix dropped").isEqualTo("claude-opus-4");
        assertThat(bound.tool()).isEqualTo("Claude Code");
        assertThat(bound.needMention()).as("the bot owns its workspace groups").isFalse();
        assertThat(world.lark.state().chats()).hasSize(chatsBefore);
    }

    @Test
    void given_no_group_when_starting_then_worktree_at_machine_is_created_tagged_with_the_operator_and_a_config_card() {
        StartOutcome.Ready ready = ready(start("s1", StartMode.DEFAULT));

        assertThat(ready.created()).isTrue();
        assertThat(ready.group().name()).isEqualTo("api@mac");
        EmuChat made = world.lark.state().chat(ready.group().chatId()).orElseThrow();
        assertThat(made.description).isEqualTo("workspace:mac-Users-op-src-api");
        assertThat(made.members).containsExactly(world.operator.openId());
        assertThat(made.ownerIdType).isEqualTo("app_id");
        assertThat(world.pinsOf(made.chatId))
                .singleElement()
                .satisfies(pin ->
                        assertThat(world.lark.control().card(pin).toString()).contains(ConfigCard.TITLE));
        assertThat(ready.binding().sessionId()).isEqualTo("s1");
        assertThat(directory.discover(world.workspace))
                .extracting(WorkspaceGroup::chatId)
                .containsExactly(made.chatId);
    }

    @Test
    void given_groups_one_and_three_when_starting_a_new_group_then_it_is_number_four() {
        world.workspaceGroup("api@mac");
        world.workspaceGroup("api3@mac");

        StartOutcome.Ready ready = ready(start("s1", StartMode.NEW));

        assertThat(ready.created()).as("new mode creates even with idle groups").isTrue();
        assertThat(ready.group().name()).isEqualTo("api4@mac");
    }

    @Test
    void given_the_first_group_held_when_starting_with_no_ask_then_the_second_group_is_created() {
        EmuChat first = world.workspaceGroup("api@mac");
        ready(start("s1", StartMode.DEFAULT));

        StartOutcome.Ready ready = ready(start("s2", StartMode.NO_ASK));

        assertThat(ready.created()).isTrue();
        assertThat(ready.group().name()).isEqualTo("api2@mac");
        assertThat(world.store().bindings().find(first.chatId).orElseThrow().sessionId())
                .isEqualTo("s1");
    }

    @Test
    void
            given_only_occupied_groups_in_default_mode_when_starting_then_they_are_returned_as_choices_and_nothing_is_made() {
        EmuChat first = world.workspaceGroup("api@mac");
        EmuChat second = world.workspaceGroup("api2@mac");
        ready(start("s1", StartMode.DEFAULT));
        ready(start("s2", StartMode.DEFAULT));
        int chatsBefore = world.lark.state().chats().size();

        StartOutcome outcome = start("s3", StartMode.DEFAULT);

        assertThat(outcome).isInstanceOfSatisfying(StartOutcome.Choose.class, choose -> {
            assertThat(choose.occupied())
                    .extracting(WorkspaceGroup::chatId)
                    .containsExactly(first.chatId, second.chatId);
            assertThat(choose.occupied()).extracting(WorkspaceGroup::holder).containsExactly("s1", "s2");
        });
        assertThat(world.lark.state().chats()).hasSize(chatsBefore);
        assertThat(world.store().bindings().findBySession("s3")).isEmpty();
    }

    @Test
    void given_a_session_already_in_a_handoff_when_it_starts_again_then_it_is_told_so_and_nothing_changes() {
        StartOutcome.Ready first = ready(start("s1", StartMode.DEFAULT));

        StartOutcome again = start("s1", StartMode.NEW);

        assertThat(again)
                .isInstanceOfSatisfying(
                        StartOutcome.AlreadyActive.class,
                        a -> assertThat(a.binding().chatId())
                                .isEqualTo(first.group().chatId()));
        assertThat(world.chatsNamed("api2@mac")).isEmpty();
    }

    @Test
    void
            given_a_group_name_when_starting_then_that_group_is_used_whatever_its_case_and_unknown_or_doubled_names_fail() {
        EmuChat named = world.externalGroup("Design Review", world.operator);
        world.workspaceGroup("api@mac");

        StartOutcome.Ready ready = ready(directory.start(
                world.workspace, new StartRequest(world.agent("s1"), StartMode.DEFAULT, "design review")));
        assertThat(ready.group().chatId()).isEqualTo(named.chatId);

        assertThatThrownBy(() -> directory.start(
                        world.workspace, new StartRequest(world.agent("s2"), StartMode.DEFAULT, "nope")))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.GROUP_NOT_FOUND))
                .hasMessageContaining("'nope'");
        world.externalGroup("twin", world.operator);
        world.externalGroup("Twin", world.operator);
        assertThatThrownBy(() -> directory.start(
                        world.workspace, new StartRequest(world.agent("s2"), StartMode.DEFAULT, "twin")))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.AMBIGUOUS_GROUP_NAME))
                .hasMessageContaining("2 groups are named 'twin'");
    }

    @Test
    void given_a_session_the_daemon_does_not_know_when_starting_then_it_is_refused_before_anything_is_made() {
        HandoffAgent ghost = new HandoffAgent("ghost", "opus", "Claude Code");

        assertThatThrownBy(() -> directory.start(world.workspace, StartRequest.of(ghost, StartMode.NEW)))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.UNKNOWN_SESSION))
                .hasMessageContaining("session ghost is not registered");
        assertThat(world.lark.state().chats()).isEmpty();
    }

    @Test
    void given_inviting_the_operator_fails_after_create_then_the_group_is_dissolved_and_the_cause_reported() {
        world.lark
                .control()
                .failNext("POST", "/open-apis/im/v1/chats/", 400, 232004, "no permission to add members", 1);

        assertThatThrownBy(() -> start("s1", StartMode.DEFAULT))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.GROUP_SETUP_FAILED))
                .hasMessageContaining("api@mac")
                .hasMessageContaining("232004")
                .hasMessageContaining("no permission to add members")
                .hasMessageContaining("the group was dissolved");
        assertThat(world.chatsNamed("api@mac")).isEmpty();
        assertThat(world.calls("DELETE", "/open-apis/im/v1/chats/")).isEqualTo(1);
        assertThat(world.store().bindings().all()).isEmpty();
    }

    @Test
    void given_pinning_the_config_card_fails_after_create_then_the_group_is_dissolved_and_the_cause_reported() {
        world.lark.control().failNext("POST", "/open-apis/im/v1/pins", 400, 232099, "pin refused", 1);

        assertThatThrownBy(() -> start("s1", StartMode.DEFAULT))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.GROUP_SETUP_FAILED))
                .hasMessageContaining("pinning the config card")
                .hasMessageContaining("pin refused")
                .hasMessageContaining("the group was dissolved");
        assertThat(world.chatsNamed("api@mac")).isEmpty();
        assertThat(world.store().bindings().all()).isEmpty();

        StartOutcome.Ready retry = ready(start("s1", StartMode.DEFAULT));
        assertThat(retry.group().name())
                .as("the failed group left no name behind")
                .isEqualTo("api@mac");
    }

    @Test
    void given_two_sessions_starting_at_once_with_one_idle_group_then_one_gets_it_and_the_other_is_offered_it()
            throws Exception {
        EmuChat idle = world.workspaceGroup("api@mac");
        HandoffAgent a = world.agent("s1");
        HandoffAgent b = world.agent("s2");
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<StartOutcome>> outcomes = new ArrayList<>();
        try {
            for (HandoffAgent agent : List.of(a, b)) {
                outcomes.add(pool.submit(() -> {
                    together.await();
                    return directory.start(world.workspace, StartRequest.of(agent, StartMode.DEFAULT));
                }));
            }
            List<StartOutcome> results = new ArrayList<>();
            for (Future<StartOutcome> f : outcomes) {
                results.add(f.get());
            }

            assertThat(results)
                    .filteredOn(StartOutcome.Ready.class::isInstance)
                    .singleElement()
                    .satisfies(r -> assertThat(((StartOutcome.Ready) r).group().chatId())
                            .isEqualTo(idle.chatId));
            assertThat(results)
                    .filteredOn(StartOutcome.Choose.class::isInstance)
                    .singleElement()
                    .satisfies(c -> assertThat(((StartOutcome.Choose) c).occupied())
                            .singleElement()
                            .satisfies(g -> assertThat(g.active()).isTrue()));
            assertThat(world.store().bindings().all()).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }
}
