package dev.larkhandoff.store.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.store.OpenStoreTest;
import dev.larkhandoff.store.StoreBackends;
import dev.larkhandoff.store.StoreException;
import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.store.session.Role;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@StoreBackends
class BindingRepositoryTest extends OpenStoreTest {

    private BindingRepository bindings;

    @BeforeEach
    void open() {
        for (String s : new String[] {"s1", "s2", "s3"}) {
            store.sessions().register(s, Role.SESSION, "{}", DeliveryMode.PULL, 1L, "0.1");
        }
        bindings = store.bindings();
    }

    @Test
    void given_a_free_chat_when_claimed_then_it_is_bound_with_its_details() {
        ClaimResult result = bindings.claim(Binding.of("oc_1", "s1")
                .withOperator("ou_op", "ou_bot")
                .withNeedMention(true)
                .withAgent("opus", "claude"));

        assertThat(result).isInstanceOfSatisfying(ClaimResult.Claimed.class, c -> {
            assertThat(c.replacedSessionId()).isNull();
            assertThat(c.binding().operatorOpenId()).isEqualTo("ou_op");
            assertThat(c.binding().needMention()).isTrue();
            assertThat(c.binding().activatedAt()).isEqualTo(clock.millis());
        });
        assertThat(bindings.find("oc_1"))
                .hasValueSatisfying(b -> assertThat(b.sessionId()).isEqualTo("s1"));
    }

    @Test
    void given_a_chat_held_by_another_session_when_claimed_then_the_claim_fails_naming_the_holder() {
        bindings.claim(Binding.of("oc_1", "s1"));

        assertThat(bindings.claim(Binding.of("oc_1", "s2"))).isEqualTo(new ClaimResult.Taken("s1"));
        assertThat(bindings.find("oc_1"))
                .hasValueSatisfying(b -> assertThat(b.sessionId()).isEqualTo("s1"));
    }

    @Test
    void given_a_session_bound_elsewhere_when_it_claims_a_new_chat_then_it_leaves_the_old_one() {
        bindings.claim(Binding.of("oc_old", "s1"));

        bindings.claim(Binding.of("oc_new", "s1"));

        assertThat(bindings.find("oc_old")).isEmpty();
        assertThat(bindings.findBySession("s1"))
                .hasValueSatisfying(b -> assertThat(b.chatId()).isEqualTo("oc_new"));
    }

    @Test
    void given_the_expected_holder_when_taking_over_then_the_chat_moves_and_the_loser_is_named() {
        bindings.claim(Binding.of("oc_1", "s1"));

        ClaimResult result = bindings.takeover(Binding.of("oc_1", "s2"), "s1");

        assertThat(result)
                .isInstanceOfSatisfying(
                        ClaimResult.Claimed.class,
                        c -> assertThat(c.replacedSessionId()).isEqualTo("s1"));
        assertThat(bindings.findBySession("s1")).isEmpty();
    }

    @Test
    void given_the_holder_changed_meanwhile_when_taking_over_then_the_compare_and_swap_fails() {
        bindings.claim(Binding.of("oc_1", "s1"));
        bindings.takeover(Binding.of("oc_1", "s3"), "s1");

        assertThat(bindings.takeover(Binding.of("oc_1", "s2"), "s1")).isEqualTo(new ClaimResult.Taken("s3"));
        assertThat(bindings.takeover(Binding.of("oc_2", "s2"), "s1"))
                .as("expected a holder, found the chat free")
                .isEqualTo(new ClaimResult.Taken(null));
    }

    @Test
    void given_a_binding_then_only_its_session_can_release_it() {
        bindings.claim(Binding.of("oc_1", "s1"));

        assertThat(bindings.release("oc_1", "s2")).isFalse();
        assertThat(bindings.release("oc_1", "s1")).isTrue();
        assertThat(bindings.find("oc_1")).isEmpty();
    }

    @Test
    void given_a_consumed_mark_then_it_only_moves_forward() {
        bindings.claim(Binding.of("oc_1", "s1"));

        assertThat(bindings.markConsumed("oc_1", "s1", 2000)).isTrue();
        assertThat(bindings.markConsumed("oc_1", "s1", 1000)).isFalse();
        assertThat(bindings.markConsumed("oc_1", "s2", 3000)).isFalse();
        assertThat(bindings.find("oc_1"))
                .hasValueSatisfying(b -> assertThat(b.lastConsumedMessageTime()).isEqualTo(2000));
    }

    @Test
    void given_a_held_chat_when_the_chat_is_released_whoever_holds_it_then_the_removed_binding_is_returned() {
        bindings.claim(Binding.of("oc_1", "s1").withAgent("opus", "claude"));

        assertThat(bindings.releaseChat("oc_1")).hasValueSatisfying(b -> {
            assertThat(b.sessionId()).isEqualTo("s1");
            assertThat(b.model()).isEqualTo("opus");
        });
        assertThat(bindings.find("oc_1")).isEmpty();
        assertThat(bindings.releaseChat("oc_1")).as("already free").isEmpty();
    }

    @Test
    void given_an_unknown_session_then_the_foreign_key_refuses_the_binding() {
        assertThatThrownBy(() -> bindings.claim(Binding.of("oc_1", "ghost")))
                .isInstanceOf(StoreException.class)
                .satisfies(e -> assertThat(e.getMessage()).containsIgnoringCase("foreign key"));
        assertThat(bindings.all()).isEmpty();
    }
}
