package dev.larkhandoff.server.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.emulator.openapi.OpenApiServer.CallRecord;
import dev.larkhandoff.server.workspace.WorkspaceException.Problem;
import dev.larkhandoff.store.chat.FilterLevel;
import dev.larkhandoff.store.chat.MemberRole;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Ending a handoff with dissolve (remove the operator, dissolve, clean up the sessions) and the maintenance tools:
 * status (in its pretty layout), list-groups mine / all, find-empty-groups, clear-project, each against the emulator
 * and a real store. The dissolve path is tested end to end.
 */
class GroupAdminTest {

    @RegisterExtension
    final WorkspaceLevel world = new WorkspaceLevel();

    private GroupDirectory directory;
    private EmuUser bob;

    @BeforeEach
    void start() {
        directory = world.directory();
        bob = world.lark.control().addUser("Bob");
    }

    private StartOutcome.Ready startIn(String sessionId) {
        return (StartOutcome.Ready)
                directory.start(world.workspace, StartRequest.of(world.agent(sessionId), StartMode.DEFAULT));
    }

    @Test
    void given_a_held_group_with_config_when_dissolved_then_the_operator_leaves_first_and_all_local_state_goes() {
        String chatId = startIn("s1").group().chatId();
        world.config().setFilter(chatId, FilterLevel.VERBOSE);
        world.config().addMembers(chatId, List.of(new Person(bob.openId(), "Bob")), MemberRole.GUEST);
        int before = world.lark.control().calls().size();

        DissolvedGroup dissolved = directory.dissolve(chatId);

        assertThat(dissolved).isEqualTo(new DissolvedGroup(chatId, "api@mac", "s1"));
        assertThat(world.chatExists(chatId)).isFalse();
        List<CallRecord> calls = world.lark
                .control()
                .calls()
                .subList(before, world.lark.control().calls().size());
        assertThat(calls)
                .filteredOn(c -> c.method().equals("DELETE"))
                .extracting(CallRecord::path)
                .containsExactly("/open-apis/im/v1/chats/" + chatId + "/members", "/open-apis/im/v1/chats/" + chatId);
        assertThat(world.store().bindings().find(chatId)).isEmpty();
        assertThat(world.store().chats().members(chatId)).isEmpty();
        assertThat(world.store().chats().config(chatId).cachedAt())
                .as("config forgotten")
                .isZero();
    }

    @Test
    void given_chats_that_cannot_be_dissolved_then_the_errors_name_them_and_nothing_local_is_lost() {
        assertThatThrownBy(() -> directory.dissolve("oc_../../x"))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.BAD_LARK_ID));
        assertThatThrownBy(() -> directory.dissolve("oc_ffffffffffffffffffffffffffffffff"))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.UNKNOWN_CHAT));

        EmuChat theirs = world.externalGroup("theirs", bob, world.operator);
        world.directory().startSidecar(theirs.chatId, world.agent("s1"));
        assertThatThrownBy(() -> directory.dissolve(theirs.chatId))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.LARK_ERROR))
                .hasMessageContaining("dissolving " + theirs.chatId)
                .hasMessageContaining("232017");
        assertThat(world.chatExists(theirs.chatId)).isTrue();
        assertThat(world.store().bindings().find(theirs.chatId))
                .as("binding kept")
                .isPresent();
    }

    @Test
    void given_empty_and_peopled_groups_when_sweeping_then_only_the_empty_ones_are_dissolved() {
        EmuChat empty = world.botGroup("api2@mac", world.workspace.tag());
        EmuChat alsoEmpty = world.botGroup("left-behind", "");
        EmuChat peopled = world.workspaceGroup("api@mac");

        assertThat(directory.emptyGroups())
                .extracting(ListedGroup::chatId)
                .containsExactlyInAnyOrder(empty.chatId, alsoEmpty.chatId);
        Dissolution sweep = directory.dissolveEmptyGroups();

        assertThat(sweep.dissolved())
                .extracting(DissolvedGroup::chatId)
                .containsExactlyInAnyOrder(empty.chatId, alsoEmpty.chatId);
        assertThat(sweep.failures()).isEmpty();
        assertThat(world.chatExists(peopled.chatId)).isTrue();
        assertThat(directory.emptyGroups()).isEmpty();
    }

    @Test
    void given_groups_of_the_bot_and_of_people_when_listing_then_mine_has_the_operator_and_all_has_every_bot_group() {
        EmuChat mine = world.workspaceGroup("api@mac");
        EmuChat others = world.botGroup("web@pc", "workspace:pc-src-web", bob);
        world.externalGroup("people's", world.operator, bob);

        List<ListedGroup> all = directory.listGroups(GroupScope.ALL);
        List<ListedGroup> minOnly = directory.listGroups(GroupScope.MINE);

        assertThat(all).extracting(ListedGroup::chatId).containsExactly(mine.chatId, others.chatId);
        assertThat(all.get(1).workspaceId()).isEqualTo("pc-src-web");
        assertThat(all.get(1).memberNames()).containsExactly("Bob");
        assertThat(minOnly).extracting(ListedGroup::chatId).containsExactly(mine.chatId);
        assertThat(minOnly.get(0).memberNames()).containsExactly("Operator");
        assertThat(GroupScope.of("user")).isEqualTo(GroupScope.MINE);
    }

    @Test
    void given_no_confirmation_when_clearing_then_nothing_is_done_and_the_error_says_what_would_be() {
        EmuChat first = world.workspaceGroup("api@mac");
        world.workspaceGroup("api2@mac");

        assertThatThrownBy(() -> directory.clear(world.workspace, false))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.NOT_CONFIRMED))
                .hasMessageContaining("dissolves its 2 group(s) (api@mac, api2@mac)")
                .hasMessageContaining("confirm=true");
        assertThat(world.chatExists(first.chatId)).isTrue();
        assertThat(world.calls("DELETE", "/open-apis/im/v1/chats")).isZero();
    }

    @Test
    void given_confirmation_when_clearing_then_every_tagged_group_goes_with_its_local_state_and_others_stay() {
        String held = startIn("s1").group().chatId();
        EmuChat idle = world.workspaceGroup("api2@mac");
        EmuChat withoutOperator = world.botGroup("api3@mac", world.workspace.tag(), bob);
        EmuChat otherWorkspace = world.botGroup("api@mac", world.workspace.tag() + "-2", world.operator);
        world.config().setAutoapprove(held, true);

        Dissolution cleared = directory.clear(world.workspace, true);

        assertThat(cleared.dissolved())
                .extracting(DissolvedGroup::chatId)
                .containsExactlyInAnyOrder(held, idle.chatId, withoutOperator.chatId);
        assertThat(cleared.dissolved())
                .filteredOn(d -> d.chatId().equals(held))
                .singleElement()
                .satisfies(d -> assertThat(d.releasedHolder()).isEqualTo("s1"));
        assertThat(cleared.failures()).isEmpty();
        assertThat(world.chatExists(otherWorkspace.chatId)).isTrue();
        assertThat(world.store().bindings().all()).isEmpty();
        assertThat(world.store().chats().config(held).autoapprove()).isFalse();
        assertThat(directory.discover(world.workspace)).isEmpty();
    }

    @Test
    void given_active_and_idle_groups_then_status_shows_each_with_its_holder_in_the_pretty_layout() {
        String held = startIn("s1").group().chatId();
        world.workspaceGroup("api2@mac");

        WorkspaceStatus status = directory.status(world.workspace, "s1");

        assertThat(status.groups()).extracting(WorkspaceGroup::active).containsExactly(true, false);
        assertThat(status.groups().get(0).chatId()).isEqualTo(held);
        assertThat(status.text()).startsWith("""
                Workspace: mac-Users-op-src-api
                Groups: 2
                - api@mac [current] (active)
                    chat_id: %s
                    session: s1
                    model: claude-opus-4
                    tool: Claude Code
                - api2@mac (idle)
                """.formatted(held));
    }
}
