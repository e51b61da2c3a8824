package dev.larkhandoff.lark.im;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.lark.EmulatedLark;
import dev.larkhandoff.lark.LarkException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ChatTabApiTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final EmulatedLark lark = new EmulatedLark();

    private ChatTabApi tabs() {
        return lark.client().chatTabs();
    }

    private String newChat() {
        return lark.client()
                .chats()
                .create(NewChat.group("tabs", ""))
                .block(WAIT)
                .chatId();
    }

    @Test
    void given_a_new_chat_when_listing_tabs_then_only_the_built_in_message_tab_is_there() {
        String chatId = newChat();

        List<ChatTab> listed = tabs().list(chatId).block(WAIT);

        assertThat(listed).singleElement().satisfies(t -> {
            assertThat(t.isMessageTab()).isTrue();
            assertThat(t.tabId()).matches("\\d{19}");
            assertThat(t.tabConfig().isBuiltIn()).isTrue();
            assertThat(t.url()).isNull();
        });
    }

    @Test
    void given_a_group_made_by_people_then_it_also_starts_with_the_message_tab() {
        EmuUser alice = lark.control().addUser("Alice");
        EmuChat chat = lark.control().createGroup("g", alice);

        assertThat(tabs().list(chat.chatId).block(WAIT))
                .extracting(ChatTab::tabType)
                .containsExactly("message");
    }

    @Test
    void given_url_tabs_when_creating_updating_sorting_and_deleting_then_each_answer_is_the_whole_tab_list() {
        String chatId = newChat();

        List<ChatTab> created = tabs().create(
                        chatId,
                        List.of(
                                ChatTab.url("Model: opus", "https://github.com/verneagent"),
                                ChatTab.url("Docs", "https://example.com")))
                .block(WAIT);
        assertThat(created).extracting(ChatTab::tabType).containsExactly("message", "url", "url");
        assertThat(created).extracting(ChatTab::tabName).containsExactly(null, "Model: opus", "Docs");
        ChatTab message = created.get(0);
        ChatTab model = created.get(1);
        ChatTab docs = created.get(2);
        assertThat(model.tabId()).matches("\\d{19}").isNotEqualTo(docs.tabId());
        assertThat(model.tabConfig().isBuiltIn()).isFalse();

        List<ChatTab> updated = tabs().update(chatId, List.of(model.withUrl("Model: sonnet", "https://example.com/m")))
                .block(WAIT);
        assertThat(updated.get(1).tabId()).isEqualTo(model.tabId());
        assertThat(updated.get(1).tabName()).isEqualTo("Model: sonnet");
        assertThat(updated.get(1).url()).isEqualTo("https://example.com/m");

        List<ChatTab> sorted = tabs().sort(chatId, List.of(message.tabId(), docs.tabId(), model.tabId()))
                .block(WAIT);
        assertThat(sorted).extracting(ChatTab::tabId).containsExactly(message.tabId(), docs.tabId(), model.tabId());

        List<ChatTab> afterDelete = tabs().delete(chatId, List.of(docs.tabId())).block(WAIT);
        assertThat(afterDelete).extracting(ChatTab::tabId).containsExactly(message.tabId(), model.tabId());
        assertThat(tabs().list(chatId).block(WAIT)).isEqualTo(afterDelete);
    }

    @Test
    void given_the_message_tab_when_deleting_or_moving_it_then_lark_refuses_and_nothing_changes() {
        String chatId = newChat();
        List<ChatTab> created = tabs().create(chatId, List.of(ChatTab.url("A", "https://example.com/a")))
                .block(WAIT);
        String messageTab = created.get(0).tabId();
        String a = created.get(1).tabId();

        assertThatThrownBy(() -> tabs().delete(chatId, List.of(a, messageTab)).block(WAIT))
                .isInstanceOfSatisfying(LarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(99992402);
                    assertThat(e.httpStatus()).isEqualTo(400);
                });
        assertThatThrownBy(() -> tabs().sort(chatId, List.of(a, messageTab)).block(WAIT))
                .isInstanceOf(LarkException.class);
        assertThat(tabs().list(chatId).block(WAIT)).extracting(ChatTab::tabId).containsExactly(messageTab, a);
    }

    @Test
    void given_a_chat_the_bot_is_not_in_when_listing_tabs_then_lark_refuses() {
        EmuUser alice = lark.control().addUser("Alice");
        EmuChat chat = lark.control().createGroup("g", alice);
        lark.emulator()
                .state()
                .withChat(
                        chat.chatId,
                        c -> c.botAppIds.remove(lark.emulator().app().appId()));

        assertThatThrownBy(() -> tabs().list(chat.chatId).block(WAIT))
                .isInstanceOfSatisfying(
                        LarkException.class, e -> assertThat(e.code()).isEqualTo(232011));
    }

    @Test
    void given_missing_arguments_then_tab_calls_fail_naming_them() {
        assertThatThrownBy(() -> tabs().create("oc_x", List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chat_tabs");
        assertThatThrownBy(() -> tabs().update("oc_x", List.of(ChatTab.url("n", "https://example.com"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tab_id");
        assertThatThrownBy(() -> tabs().sort("oc_x", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tab_ids");
        assertThatThrownBy(() -> tabs().list(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chat_id");
    }
}
