package dev.larkhandoff.server.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.server.workspace.WorkspaceException.Problem;
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
 * Takeover as a compare-and-swap (it wins only when the holder is the expected one, or there is none when none is
 * expected; of concurrent takeovers one wins) played through the directory against the emulator, plus the rule that the
 * replaced holder is named so its wait can end with {@code takeover: true}.
 */
class GroupTakeoverTest {

    @RegisterExtension
    final WorkspaceLevel world = new WorkspaceLevel();

    private GroupDirectory directory;
    private EmuChat group;

    @BeforeEach
    void start() {
        directory = world.directory();
        group = world.workspaceGroup("api@mac");
        directory.start(world.workspace, StartRequest.of(world.agent("s1"), StartMode.DEFAULT));
    }

    @Test
    void given_the_expected_holder_when_taking_over_then_the_group_moves_and_the_previous_holder_is_named() {
        TakeoverOutcome outcome = directory.takeover(group.chatId, world.agent("s2"), "s1");

        assertThat(outcome).isInstanceOfSatisfying(TakeoverOutcome.TookOver.class, took -> {
            assertThat(took.previousHolder()).isEqualTo("s1");
            assertThat(took.binding().sessionId()).isEqualTo("s2");
            assertThat(took.binding().botOpenId()).isEqualTo(world.lark.app().botOpenId());
            assertThat(took.settings().chatId()).isEqualTo(group.chatId);
        });
        assertThat(world.store().bindings().find(group.chatId).orElseThrow().sessionId())
                .isEqualTo("s2");
        assertThat(world.store().bindings().findBySession("s1")).isEmpty();
    }

    @Test
    void given_a_stale_expected_holder_when_taking_over_then_it_is_refused_naming_the_current_holder() {
        assertThat(directory.takeover(group.chatId, world.agent("s2"), "s1"))
                .isInstanceOf(TakeoverOutcome.TookOver.class);

        TakeoverOutcome late = directory.takeover(group.chatId, world.agent("s3"), "s1");

        assertThat(late).isEqualTo(new TakeoverOutcome.Refused("s2", "s1"));
        assertThat(world.store().bindings().find(group.chatId).orElseThrow().sessionId())
                .isEqualTo("s2");
    }

    @Test
    void given_a_held_group_and_no_expected_holder_when_taking_over_then_it_is_refused() {
        assertThat(directory.takeover(group.chatId, world.agent("s2"), null))
                .isEqualTo(new TakeoverOutcome.Refused("s1", null));
    }

    @Test
    void given_the_holder_taking_over_its_own_group_then_it_keeps_it_and_nobody_is_replaced() {
        TakeoverOutcome outcome = directory.takeover(group.chatId, world.agent("s1"), "someone-else");

        assertThat(outcome)
                .isInstanceOfSatisfying(
                        TakeoverOutcome.TookOver.class,
                        took -> assertThat(took.previousHolder()).isNull());
    }

    @Test
    void given_two_takeovers_at_once_with_the_same_expected_holder_then_exactly_one_wins() throws Exception {
        HandoffAgent a = world.agent("s2");
        HandoffAgent b = world.agent("s3");
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<TakeoverOutcome>> futures = new ArrayList<>();
            for (HandoffAgent agent : List.of(a, b)) {
                futures.add(pool.submit(() -> {
                    together.await();
                    return directory.takeover(group.chatId, agent, "s1");
                }));
            }
            List<TakeoverOutcome> outcomes = new ArrayList<>();
            for (Future<TakeoverOutcome> f : futures) {
                outcomes.add(f.get());
            }

            assertThat(outcomes)
                    .filteredOn(TakeoverOutcome.TookOver.class::isInstance)
                    .singleElement()
                    .satisfies(o -> assertThat(((TakeoverOutcome.TookOver) o).previousHolder())
                            .isEqualTo("s1"));
            assertThat(outcomes)
                    .filteredOn(TakeoverOutcome.Refused.class::isInstance)
                    .hasSize(1);
            assertThat(world.store().bindings().all()).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void given_bad_or_unknown_chats_when_taking_over_then_each_fails_clearly_and_nothing_changes() {
        long before = world.lark.control().calls().size();
        assertThatThrownBy(() -> directory.takeover("oc_bad id", world.agent("s2"), "s1"))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.BAD_LARK_ID))
                .hasMessageContaining("\"oc_bad id\"");
        assertThat(world.lark.control().calls())
                .as("a bad id never reaches Lark")
                .hasSize((int) before);

        assertThatThrownBy(() -> directory.takeover("oc_00000000000000000000000000000000", world.agent("s2"), "s1"))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.UNKNOWN_CHAT))
                .hasMessageContaining("oc_00000000000000000000000000000000");

        EmuChat withoutBot = world.externalGroup("no bot", world.operator);
        world.lark.control().removeBot(withoutBot.chatId, world.operator);
        assertThatThrownBy(() -> directory.takeover(withoutBot.chatId, world.agent("s2"), null))
                .isInstanceOfSatisfying(
                        WorkspaceException.class, e -> assertThat(e.problem()).isEqualTo(Problem.BOT_NOT_IN_CHAT))
                .hasMessageContaining("the bot is not in chat " + withoutBot.chatId);

        assertThat(world.store().bindings().find(group.chatId).orElseThrow().sessionId())
                .isEqualTo("s1");
    }
}
