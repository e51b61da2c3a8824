package dev.larkhandoff.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.store.session.Role;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A proxy's session id (stable across restarts, distinct per role) and metadata bag, read from its environment. */
class SessionIdentityTest {

    private static SessionIdentity of(Map<String, String> env) {
        return SessionIdentity.from(Environment.of(env), DeliveryMode.PUSH);
    }

    @Test
    void given_the_same_role_and_project_then_the_id_is_stable_across_proxy_restarts() {
        var a = of(Map.of("CLAUDE_PROJECT_DIR", "/ws/api"));
        var b = of(Map.of("CLAUDE_PROJECT_DIR", "/ws/api"));

        assertThat(a.sessionId()).isEqualTo(b.sessionId());
        assertThat(a.stable()).isTrue();
    }

    @Test
    void given_the_same_project_then_dispatcher_and_teammate_get_different_ids() {
        var tm = of(Map.of("CLAUDE_PROJECT_DIR", "/ws"));
        var disp = of(Map.of("CLAUDE_PROJECT_DIR", "/ws", "LARK_HANDOFF_ROLE", "dispatcher"));

        assertThat(disp.role()).isEqualTo(Role.DISPATCHER);
        assertThat(tm.sessionId()).isNotEqualTo(disp.sessionId());
    }

    @Test
    void given_a_claude_session_id_then_it_decides_before_the_project_dir() {
        var one = of(Map.of("CLAUDE_CODE_SESSION_ID", "c-1", "CLAUDE_PROJECT_DIR", "/ws"));
        var same = of(Map.of("CLAUDE_CODE_SESSION_ID", "c-1", "CLAUDE_PROJECT_DIR", "/elsewhere"));
        var other = of(Map.of("CLAUDE_CODE_SESSION_ID", "c-2", "CLAUDE_PROJECT_DIR", "/ws"));

        assertThat(one.sessionId()).isEqualTo(same.sessionId()).isNotEqualTo(other.sessionId());
    }

    @Test
    void given_an_explicit_session_id_then_it_wins_over_everything() {
        assertThat(of(Map.of("LARK_HANDOFF_SESSION_ID", "tm-1", "CLAUDE_CODE_SESSION_ID", "c-1"))
                        .sessionId())
                .isEqualTo("session:tm-1");
    }

    @Test
    void given_no_claude_session_then_the_project_dir_then_init_cwd_decide() {
        assertThat(of(Map.of("CLAUDE_PROJECT_DIR", "/a")).sessionId())
                .isNotEqualTo(of(Map.of("CLAUDE_PROJECT_DIR", "/b")).sessionId());
        assertThat(of(Map.of("INIT_CWD", "/a")).sessionId())
                .isEqualTo(of(Map.of("CLAUDE_PROJECT_DIR", "/a")).sessionId());
        assertThat(of(Map.of("INIT_CWD", "/x", "CLAUDE_PROJECT_DIR", "/a")).metadata())
                .containsEntry("cwd", "/a");
    }

    @Test
    void given_claudemux_and_meta_variables_then_metadata_holds_them_with_lower_cased_keys() {
        var id = of(Map.of(
                "CLAUDEMUX_TEAMMATE_NAME",
                "api-worker",
                "CLAUDE_PROJECT_DIR",
                "/nonexistent-ws/api",
                "LARK_HANDOFF_META_TEAM",
                "core",
                "LARK_HANDOFF_META_BAD-KEY",
                "x"));

        assertThat(id.metadata())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("teammate_name", "api-worker", "cwd", "/nonexistent-ws/api", "team", "core"));
    }

    @Test
    void given_a_dispatcher_without_claudemux_env_then_there_is_no_teammate_name() {
        assertThat(of(Map.of("CLAUDE_PROJECT_DIR", "/ws", "LARK_HANDOFF_ROLE", "dispatcher"))
                        .metadata())
                .containsExactlyEntriesOf(Map.of("cwd", "/ws"));
    }

    @Test
    void given_no_identity_at_all_then_the_bag_is_empty_and_the_id_is_marked_unstable() {
        var id = of(Map.of());

        assertThat(id.metadata()).isEmpty();
        assertThat(id.stable()).isFalse();
        assertThat(id.deliveryMode()).isEqualTo(DeliveryMode.PUSH);
        assertThat(of(Map.of("LARK_HANDOFF_DELIVERY", "pull")).deliveryMode()).isEqualTo(DeliveryMode.PULL);
    }
}
