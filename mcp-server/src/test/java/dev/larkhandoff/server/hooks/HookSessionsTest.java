package dev.larkhandoff.server.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.SessionIdentity;
import dev.larkhandoff.store.session.DeliveryMode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which sessions a hook may speak for: the ids its caller's proxy could have registered under, and no others. */
class HookSessionsTest {

    @Test
    void given_no_explicit_id_claudes_session_then_the_project_directory_are_tried_as_a_session_then_a_dispatcher() {
        assertThat(HookSessions.candidates(null, "c0ffee", "/work/app"))
                .containsExactly(
                        proxyId(Environment.CLAUDE_SESSION_ID, "c0ffee", "session"),
                        proxyId(Environment.CLAUDE_PROJECT_DIR, "/work/app", "session"),
                        proxyId(Environment.CLAUDE_SESSION_ID, "c0ffee", "dispatcher"),
                        proxyId(Environment.CLAUDE_PROJECT_DIR, "/work/app", "dispatcher"));
    }

    @Test
    void given_an_explicit_id_only_that_session_is_a_candidate_never_one_derived_from_the_same_directory() {
        assertThat(HookSessions.candidates("opencode-1234", "ses_1", "/work/app"))
                .containsExactly(proxyId(Environment.SESSION_ID, "opencode-1234", "session"))
                .doesNotContain(proxyId(Environment.CLAUDE_PROJECT_DIR, "/work/app", "session"));
    }

    /** The id a proxy registers under with this one variable (and a role) in its environment. */
    private static String proxyId(String variable, String value, String role) {
        return SessionIdentity.from(Environment.of(Map.of(variable, value, Environment.ROLE, role)), DeliveryMode.PUSH)
                .sessionId();
    }
}
