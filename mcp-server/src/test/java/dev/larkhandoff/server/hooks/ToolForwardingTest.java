package dev.larkhandoff.server.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.lark.card.CardColor;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.hooks.ToolForwarding.Outcome;
import dev.larkhandoff.store.chat.FilterLevel;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * What the group sees of each tool call (PostToolUse): the filter levels, the skip
 * rules, and each formatter; terminal colours in {@link AnsiMarkdownTest}.
 */
class ToolForwardingTest {

    private static final String PROJECT = "/home/dev/api";

    private static JsonNode call(String json) {
        return ServerJson.mapper().readTree(json);
    }

    private static final JsonNode BASH = call("""
            {"tool_name":"Bash","tool_input":{"command":"mvn -q test","description":"Run the tests"},
             "tool_response":{"stdout":"Tests run: 3, Failures: 0","stderr":""}}""");
    private static final JsonNode EDIT = call("""
            {"tool_name":"Edit","tool_input":{"file_path":"/home/dev/api/src/App.java",
             "old_string":"int a = 1;\\nint b = 2;\\nint c = 3;","new_string":"int a = 1;\\nint b = 20;\\nint c = 3;"},
             "tool_response":{}}""");

    @Nested
    class FilterLevels {

        @Test
        void concise_shows_only_team_tools_and_puts_the_rest_on_the_working_card() {
            assertThat(ToolForwarding.decide(BASH, false, FilterLevel.CONCISE, PROJECT))
                    .isEqualTo(new Outcome.Working("$ Run the tests"));
            assertThat(ToolForwarding.decide(EDIT, false, FilterLevel.CONCISE, PROJECT))
                    .isEqualTo(new Outcome.Working("Edit: src/App.java"));
            assertThat(ToolForwarding.decide(
                            call("{\"tool_name\":\"TeamDelete\",\"tool_input\":{}}"),
                            false,
                            FilterLevel.CONCISE,
                            PROJECT))
                    .isInstanceOf(Outcome.Post.class);
        }

        @Test
        void important_filters_bash_only() {
            assertThat(ToolForwarding.decide(BASH, false, FilterLevel.IMPORTANT, PROJECT))
                    .isInstanceOf(Outcome.Working.class);
            assertThat(ToolForwarding.decide(EDIT, false, FilterLevel.IMPORTANT, PROJECT))
                    .isInstanceOf(Outcome.Post.class);
        }

        @Test
        void verbose_shows_everything_with_a_formatter() {
            assertThat(ToolForwarding.decide(BASH, false, FilterLevel.VERBOSE, PROJECT))
                    .isInstanceOf(Outcome.Post.class);
            assertThat(ToolForwarding.decide(EDIT, false, FilterLevel.VERBOSE, PROJECT))
                    .isInstanceOf(Outcome.Post.class);
        }

        @Test
        void the_handoffs_own_calls_are_never_shown_whatever_the_level() {
            JsonNode own = call("{\"tool_name\":\"mcp__plugin_lark-handoff_lark-handoff__send_and_wait\","
                    + "\"tool_input\":{\"message\":\"hi\"}}");
            JsonNode cli = call("{\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"lark-handoff status\"},"
                    + "\"tool_response\":{\"stdout\":\"x\"}}");
            JsonNode poll = call("{\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"cat x\",\"description\":"
                    + "\"Check the agent output\"},\"tool_response\":{\"stdout\":\"x\"}}");
            for (JsonNode c : new JsonNode[] {own, cli, poll}) {
                assertThat(ToolForwarding.decide(c, false, FilterLevel.VERBOSE, PROJECT))
                        .isInstanceOf(Outcome.Skip.class);
            }
        }
    }

    @Nested
    class Formatters {

        @Test
        void an_edit_shows_the_removed_and_added_lines_in_blocks_tagged_with_the_files_language() {
            Outcome.Post p = (Outcome.Post) ToolForwarding.decide(EDIT, false, FilterLevel.VERBOSE, PROJECT);
            assertThat(p.markdown()).isEqualTo("""
                    **Edit: src/App.java**
                    <font color='red'>Removed:</font>
                    ```java
                    int b = 2;
                    ```
                    <font color='green'>Added:</font>
                    ```java
                    int b = 20;
                    ```""");
        }

        @Test
        void an_edit_that_changes_nothing_is_not_shown() {
            JsonNode same = call("{\"tool_name\":\"Edit\",\"tool_input\":{\"file_path\":\"a.txt\",\"old_string\":\"x\","
                    + "\"new_string\":\"x\"}}");
            assertThat(ToolForwarding.decide(same, false, FilterLevel.VERBOSE, PROJECT))
                    .isInstanceOf(Outcome.Skip.class);
        }

        @Test
        void a_write_is_a_summary_with_its_line_count() {
            JsonNode write = call("{\"tool_name\":\"Write\",\"tool_input\":{\"file_path\":\"/home/dev/api/NOTES.md\","
                    + "\"content\":\"one\\ntwo\\nthree\\n\"}}");
            assertThat(((Outcome.Post) ToolForwarding.decide(write, false, FilterLevel.VERBOSE, PROJECT)).markdown())
                    .isEqualTo("**Write: NOTES.md**\nCreated file (3 lines)");
        }

        @Test
        void a_command_shows_its_label_and_output_in_a_code_block_and_its_exit_code_when_it_failed() {
            Outcome.Post ok = (Outcome.Post) ToolForwarding.decide(BASH, false, FilterLevel.VERBOSE, PROJECT);
            assertThat(ok.markdown()).isEqualTo("**$ Run the tests**\n```\nTests run: 3, Failures: 0\n```");
            JsonNode failed = call("{\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"false\"},"
                    + "\"tool_response\":{\"stdout\":\"\",\"stderr\":\"boom\",\"exit_code\":1}}");
            assertThat(((Outcome.Post) ToolForwarding.decide(failed, false, FilterLevel.VERBOSE, PROJECT)).markdown())
                    .endsWith("Exit code: 1");
        }

        @Test
        void coloured_output_keeps_its_colours_outside_a_code_block() {
            JsonNode coloured = call("{\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"git status\"},"
                    + "\"tool_response\":{\"stdout\":\"\\u001b[32mmodified:\\u001b[0m a.txt\"}}");
            assertThat(((Outcome.Post) ToolForwarding.decide(coloured, false, FilterLevel.VERBOSE, PROJECT)).markdown())
                    .isEqualTo("**$ git status**\n<font color='green'>modified:</font> a.txt");
        }

        @Test
        void a_git_diff_is_shown_as_removed_and_added_blocks() {
            JsonNode diff = call(
                    "{\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"git diff\"},"
                            + "\"tool_response\":{\"stdout\":\"diff --git a/x b/x\\n--- a/x\\n+++ b/x\\n@@ -1 +1 @@\\n-old\\n+new\"}}");
            assertThat(((Outcome.Post) ToolForwarding.decide(diff, false, FilterLevel.VERBOSE, PROJECT)).markdown())
                    .contains("Removed:</font>\n```diff\nold\n```", "Added:</font>\n```diff\nnew\n```");
        }

        @Test
        void a_command_without_output_is_not_shown() {
            JsonNode quiet = call("{\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"true\"},"
                    + "\"tool_response\":{\"stdout\":\"\",\"stderr\":\"\"}}");
            assertThat(ToolForwarding.decide(quiet, false, FilterLevel.VERBOSE, PROJECT))
                    .isInstanceOf(Outcome.Skip.class);
        }

        @Test
        void a_failure_is_a_red_card_with_the_error_stripped_of_colours_and_an_interrupt_is_not_shown() {
            JsonNode failure = call("{\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"make\",\"description\":"
                    + "\"Build\"},\"error\":\"\\u001b[31mcompile error\\u001b[0m\"}");
            Outcome.Post p = (Outcome.Post) ToolForwarding.decide(failure, true, FilterLevel.VERBOSE, PROJECT);
            assertThat(p.title()).isEqualTo("$ Build");
            assertThat(p.color()).isEqualTo(CardColor.RED);
            assertThat(p.markdown()).isEqualTo("<font color='red'>Error:</font>\n```\ncompile error\n```");
            JsonNode interrupted =
                    call("{\"tool_name\":\"Bash\",\"tool_input\":{},\"error\":\"x\",\"is_interrupt\":true}");
            assertThat(ToolForwarding.decide(interrupted, true, FilterLevel.VERBOSE, PROJECT))
                    .isInstanceOf(Outcome.Skip.class);
        }

        @Test
        void team_tools_are_summarised() {
            assertThat(((Outcome.Post) ToolForwarding.decide(
                                    call("{\"tool_name\":\"SendMessage\",\"tool_input\":"
                                            + "{\"recipient\":\"tester\",\"summary\":\"run the suite\"}}"),
                                    false,
                                    FilterLevel.CONCISE,
                                    PROJECT))
                            .markdown())
                    .isEqualTo("→ tester: run the suite");
            assertThat(((Outcome.Post) ToolForwarding.decide(
                                    call("{\"tool_name\":\"TeamDelete\",\"tool_input\":{}}"),
                                    false,
                                    FilterLevel.CONCISE,
                                    PROJECT))
                            .markdown())
                    .isEqualTo("**Team dissolved**");
        }
    }
}
