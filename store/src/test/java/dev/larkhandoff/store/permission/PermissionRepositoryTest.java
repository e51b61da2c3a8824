package dev.larkhandoff.store.permission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.store.OpenStoreTest;
import dev.larkhandoff.store.StoreBackends;
import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.store.session.Role;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@StoreBackends
class PermissionRepositoryTest extends OpenStoreTest {

    private PermissionRepository permissions;

    @BeforeEach
    void open() {
        store.sessions().register("s1", Role.SESSION, "{}", DeliveryMode.PUSH, null, null);
        permissions = store.permissions();
    }

    @Test
    void given_a_question_when_two_people_answer_then_the_first_answer_wins() {
        permissions.create("p1", "s1", "oc_1", "Bash", "rm -rf build");
        permissions.attachCard("p1", "om_card");

        assertThat(permissions.decide("p1", Decision.DENY, "ou_owner")).isTrue();
        assertThat(permissions.decide("p1", Decision.ALLOW, "ou_coowner")).isFalse();
        assertThat(permissions.find("p1")).hasValueSatisfying(p -> {
            assertThat(p.state()).isEqualTo(RequestState.DECIDED);
            assertThat(p.decision()).isEqualTo(Decision.DENY);
            assertThat(p.decidedByOpenId()).isEqualTo("ou_owner");
            assertThat(p.cardMessageId()).isEqualTo("om_card");
        });
    }

    @Test
    void given_a_question_that_times_out_then_it_can_no_longer_be_answered() {
        permissions.create("p1", "s1", "oc_1", "Edit", null);
        permissions.create("p2", "s1", "oc_1", "Write", null);

        assertThat(permissions.close("p1", RequestState.EXPIRED)).isTrue();
        assertThat(permissions.decide("p1", Decision.ALLOW, "ou")).isFalse();
        assertThat(permissions.pendingIn("oc_1"))
                .extracting(PermissionRequest::requestId)
                .containsExactly("p2");
        assertThatThrownBy(() -> permissions.close("p2", RequestState.DECIDED))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
