package dev.larkhandoff.store.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.StoreBackend;
import dev.larkhandoff.store.StoreBackends;
import dev.larkhandoff.testing.TestClock;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

@StoreBackends
class ChannelStateRepositoryTest {

    @Parameter(0)
    StoreBackend backend;

    @TempDir
    Path home;

    private final TestClock clock = new TestClock();

    @Test
    void given_a_new_store_then_nobody_owns_the_channel_at_epoch_zero() {
        try (Store store = backend.open(home, clock)) {
            assertThat(store.channel().current()).isEqualTo(new ChannelState(null, null, null, 0));
        }
    }

    @Test
    void given_owner_changes_and_grants_then_the_epoch_counts_only_owner_changes_and_every_change_is_logged() {
        try (Store store = backend.open(home, clock)) {
            var channel = store.channel();
            channel.transition(
                    new OwnershipChange("register", "disp", "dispatcher registered"),
                    s -> s.withDispatcher("disp").withOwner("disp"));
            channel.transition(new OwnershipChange("grant", "disp", null), s -> s.withGranted("tm1"));
            Transition acquire = channel.transition(
                    new OwnershipChange("acquire", "tm1", null),
                    s -> s.withOwner("tm1").withGranted(null));
            Transition again = channel.transition(
                    new OwnershipChange("acquire", "tm1", null),
                    s -> s.withOwner("tm1").withGranted(null));

            assertThat(acquire.after()).isEqualTo(new ChannelState("tm1", "disp", null, 2));
            assertThat(acquire.ownerChanged()).isTrue();
            assertThat(again.changed()).isFalse();
            assertThat(channel.log(10))
                    .extracting(
                            OwnershipLogEntry::action,
                            OwnershipLogEntry::oldEpoch,
                            OwnershipLogEntry::newEpoch,
                            OwnershipLogEntry::newOwnerSessionId)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("register", 0L, 1L, "disp"),
                            org.assertj.core.groups.Tuple.tuple("grant", 1L, 1L, "disp"),
                            org.assertj.core.groups.Tuple.tuple("acquire", 1L, 2L, "tm1"));
        }
    }

    @Test
    void given_a_rule_tries_to_set_the_epoch_itself_then_the_store_decides_it() {
        try (Store store = backend.open(home, clock)) {
            Transition t = store.channel()
                    .transition(new OwnershipChange("acquire", "x", null), s -> new ChannelState("x", null, null, 42));

            assertThat(t.after().leaseEpoch()).isEqualTo(1);
        }
    }

    @Test
    void given_a_rule_that_refuses_then_its_exception_reaches_the_caller_and_nothing_changes() {
        try (Store store = backend.open(home, clock)) {
            store.channel()
                    .transition(
                            new OwnershipChange("register", "d", null),
                            s -> s.withDispatcher("d").withOwner("d"));

            assertThatThrownBy(() -> store.channel().transition(new OwnershipChange("grant", "tm", null), s -> {
                        throw new IllegalStateException("only the dispatcher may grant channel ownership");
                    }))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("only the dispatcher may grant channel ownership");
            assertThat(store.channel().current()).isEqualTo(new ChannelState("d", "d", null, 1));
            assertThat(store.channel().log(10)).hasSize(1);
        }
    }

    @Test
    void given_a_stale_epoch_then_compare_and_set_loses_and_writes_nothing() {
        try (Store store = backend.open(home, clock)) {
            store.channel().transition(new OwnershipChange("register", "d", null), s -> s.withOwner("d"));

            assertThatThrownBy(() -> store.channel()
                            .compareAndSet(0, new OwnershipChange("acquire", "t", null), s -> s.withOwner("t")))
                    .isInstanceOfSatisfying(EpochConflictException.class, e -> {
                        assertThat(e.expectedEpoch()).isZero();
                        assertThat(e.actualEpoch()).isEqualTo(1);
                    });
            Transition won =
                    store.channel().compareAndSet(1, new OwnershipChange("acquire", "t", null), s -> s.withOwner("t"));
            assertThat(won.after().leaseEpoch()).isEqualTo(2);
        }
    }

    @Test
    void given_a_restart_then_ownership_and_epoch_are_exactly_as_left() {
        try (Store store = backend.open(home, clock)) {
            store.channel()
                    .transition(
                            new OwnershipChange("acquire", "tm", null),
                            s -> s.withDispatcher("d").withOwner("tm"));
        }
        try (Store store = backend.open(home, clock)) {
            assertThat(store.channel().current()).isEqualTo(new ChannelState("tm", "d", null, 1));
        }
    }
}
