package dev.larkhandoff.server.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuTab;
import dev.larkhandoff.lark.im.ChatTab;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The handoff's chat tabs (a tab is the handoff's by its url; stale ones go, user tabs stay; hand-back removes every
 * handoff tab): the model's
 * tab while a handoff is active, gone at hand-back, idempotent, never fatal.
 */
class ChatTabsTest {

    @RegisterExtension
    final WorkspaceLevel world = new WorkspaceLevel();

    private ChatTabs tabs;
    private EmuChat group;

    @BeforeEach
    void start() {
        tabs = new ChatTabs(world.client().chatTabs());
        group = world.workspaceGroup("api@mac");
    }

    private List<EmuTab> tabsInLark() {
        return world.lark.state().withChat(group.chatId, c -> List.copyOf(c.tabs));
    }

    private void userTab(String name, String url) {
        world.client()
                .chatTabs()
                .create(group.chatId, List.of(ChatTab.url(name, url)))
                .block();
    }

    @Test
    void given_a_handoff_starting_then_the_model_tab_follows_the_message_tab_and_opening_again_changes_nothing() {
        userTab("Docs", "https://docs.example.org");

        Optional<String> opened = tabs.open(group.chatId, "anthropic/claude-opus-4");
        Optional<String> again = tabs.open(group.chatId, "claude-opus-4");

        assertThat(opened).isPresent();
        assertThat(again).isEqualTo(opened);
        assertThat(tabsInLark())
                .extracting(EmuTab::tabType, EmuTab::tabName)
                .containsExactly(tuple("message", null), tuple("url", "claude-opus-4"), tuple("url", "Docs"));
        assertThat(tabsInLark().get(1).url()).isEqualTo(ChatTabs.DEFAULT_URL);
    }

    @Test
    void given_a_stale_handoff_tab_of_another_model_then_it_is_replaced_and_user_tabs_stay() {
        userTab("old-model", "https://github.com/verneagent");
        userTab("Example", "https://example.org");

        tabs.open(group.chatId, "gpt-5");

        assertThat(tabsInLark()).extracting(EmuTab::tabName).containsExactly(null, "gpt-5", "Example");
    }

    @Test
    void given_hand_back_then_every_handoff_tab_goes_user_tabs_stay_and_a_second_close_is_harmless() {
        tabs.open(group.chatId, "claude-opus-4");
        userTab("left-behind", "https://example.com/");
        userTab("Board", "https://board.example.org");

        List<String> removed = tabs.close(group.chatId);

        assertThat(removed).hasSize(2);
        assertThat(tabsInLark()).extracting(EmuTab::tabName).containsExactly(null, "Board");
        assertThat(tabs.close(group.chatId)).isEmpty();
    }

    @Test
    void given_lark_failing_or_a_bad_chat_then_tabs_report_nothing_done_and_never_throw() {
        world.lark
                .control()
                .failNext(
                        null,
                        "/open-apis/im/v1/chats/" + group.chatId + "/chat_tabs",
                        400,
                        99991672,
                        "no permission",
                        1);

        assertThat(tabs.open(group.chatId, "claude-opus-4")).isEmpty();
        assertThat(tabs.open("not a chat", "claude-opus-4")).isEmpty();
        assertThat(tabs.close("oc_ffffffffffffffffffffffffffffffff")).isEmpty();
        assertThat(tabs.open(group.chatId, null))
                .as("unnamed model gets a generic tab")
                .isPresent();
        assertThat(tabsInLark()).extracting(EmuTab::tabName).containsExactly(null, ChatTabs.UNNAMED_MODEL);
    }
}
