package dev.larkhandoff.server.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.server.workspace.WorkspaceException.Problem;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The workspace id and group naming, matching a group's workspace tag as a whole token, the chat id check, and the
 * model name rule (a provider prefix before a slash is dropped).
 */
class WorkspaceNamingTest {

    private final Workspace workspace = new Workspace("mac-Users-op-src-foo-bar", "bar", "mac");

    @Test
    void given_a_project_directory_then_the_id_is_machine_dash_folder_with_slashes_as_dashes() {
        Workspace w = Workspace.of("api", "Op's Mac", Path.of("/Users/op/src/api"));

        assertThat(w.id()).isEqualTo("Op's-Mac-Users-op-src-api");
        assertThat(w.tag()).isEqualTo("workspace:Op's-Mac-Users-op-src-api");
        assertThat(w.groupName()).isEqualTo("api@Op's Mac");
    }

    @Test
    void given_descriptions_then_the_tag_matches_only_as_a_whole_token() {
        assertThat(workspace.tags("workspace:mac-Users-op-src-foo-bar"))
                .as("exact")
                .isTrue();
        assertThat(workspace.tags("workspace:mac-Users-op-src-foo-bar\nnotes"))
                .as("followed by newline")
                .isTrue();
        assertThat(workspace.tags("see workspace:mac-Users-op-src-foo-bar please"))
                .as("space after")
                .isTrue();
        assertThat(workspace.tags("workspace:mac-Users-op-src-foo-bar-native_test2"))
                .as("longer id")
                .isFalse();
        assertThat(workspace.tags("xworkspace:mac-Users-op-src-foo-bar"))
                .as("glued prefix")
                .isFalse();
        assertThat(workspace.tags("workspace:other")).isFalse();
        assertThat(workspace.tags("")).isFalse();
        assertThat(workspace.tags(null)).isFalse();
        assertThat(Workspace.idIn("hello workspace:abc-1 there")).hasValue("abc-1");
        assertThat(Workspace.idIn("no tag")).isEmpty();
    }

    @Test
    void given_names_in_use_then_the_next_group_is_one_more_than_the_highest_and_the_first_counts_as_one() {
        assertThat(workspace.nextGroupName(List.of())).isEqualTo("bar@mac");
        assertThat(workspace.nextGroupName(List.of("bar@mac"))).isEqualTo("bar2@mac");
        assertThat(workspace.nextGroupName(List.of("bar@mac", "bar3@mac", "other@mac", "bar@pc")))
                .isEqualTo("bar4@mac");
        assertThat(workspace.nextGroupName(List.of("bar7@mac"))).isEqualTo("bar8@mac");
        assertThat(workspace.numberOf("barx@mac")).isEmpty();
        assertThat(workspace.numberOf("bar02@mac")).as("no leading zeros").isEmpty();
    }

    @Test
    void given_bad_workspace_parts_then_each_is_refused_naming_it() {
        assertThatThrownBy(() -> new Workspace("has space", "bar", "mac")).hasMessageContaining("whitespace");
        assertThatThrownBy(() -> new Workspace("id", "a@b", "mac")).hasMessageContaining("'@'");
        assertThatThrownBy(() -> new Workspace("id", " ", "mac")).hasMessageContaining("worktree name is required");
    }

    @Test
    void given_chat_ids_then_only_oc_ids_of_the_allowed_alphabet_pass_and_errors_name_the_bad_id() {
        assertThat(LarkIds.chatId("oc_0123abcd")).isEqualTo("oc_0123abcd");
        assertThat(LarkIds.isChatId("oc_a.b:c@d-e_f")).isTrue();
        for (String bad : List.of("ou_0123", "oc_", "oc_a b", "oc_../../etc", "chat-1", "oc_" + "x".repeat(126))) {
            assertThatThrownBy(() -> LarkIds.chatId(bad))
                    .isInstanceOfSatisfying(
                            WorkspaceException.class,
                            e -> assertThat(e.problem()).isEqualTo(Problem.BAD_LARK_ID))
                    .hasMessageContaining("is not a Lark chat id");
        }
        assertThatThrownBy(() -> LarkIds.chatId("ou_x")).hasMessageContaining("chat_id \"ou_x\" is not a Lark chat id");
        assertThatThrownBy(() -> LarkIds.chatId(null)).hasMessage("chat_id is required");
    }

    @Test
    void given_a_model_with_a_provider_prefix_then_the_prefix_is_dropped() {
        assertThat(HandoffAgent.displayModel("opencode/k2p5")).isEqualTo("k2p5");
        assertThat(HandoffAgent.displayModel("claude-opus-4")).isEqualTo("claude-opus-4");
        assertThat(HandoffAgent.displayModel(" ")).isNull();
        assertThat(StartMode.of("no-ask")).isEqualTo(StartMode.NO_ASK);
        assertThatThrownBy(() -> StartMode.of("always")).hasMessageContaining("default, no-ask, new");
    }
}
