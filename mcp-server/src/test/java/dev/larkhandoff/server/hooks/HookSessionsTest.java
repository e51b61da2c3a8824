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
    void given_no_explicit_id_the_claude_session_and_the_project_directory_are_tried_as_the_proxy_would_derive_them() {
        String fromDirectory = SessionIdentity.from(Environment.of(Map.of(Environment.CLAUDE_PROJECT_DIR, "/work/app")),
                DeliveryMode.PUSH).sessionId();

        assertThat(HookSessions.candidates(null, "c0ffee", "/work/app")).contains(fromDirectory).hasSizeGreaterThan(2);
    }

    @Test
    void given_an_explicit_id_only_that_session_is_tried_even_when_another_holds_a_handoff_in_the_same_directory() {
        assertThat(HookSessions.candidates("opencode-1234", "ses_1", "/work/app"))
                .containsExactly("session:opencode-1234");
    }
}
