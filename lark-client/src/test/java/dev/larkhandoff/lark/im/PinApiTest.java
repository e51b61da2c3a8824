package dev.larkhandoff.lark.im;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.lark.EmulatedLark;
import dev.larkhandoff.lark.LarkException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PinApiTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final EmulatedLark lark = new EmulatedLark();

    private PinApi pins() {
        return lark.client().pins();
    }

    @Test
    void given_a_message_the_bot_sent_when_pinning_it_then_the_pin_names_chat_operator_and_time() {
        EmuUser alice = lark.control().addUser("Alice");
        EmuChat chat = lark.control().createGroup("g", alice);
        Message config = lark.client()
                .messages()
                .sendToChat(chat.chatId, OutgoingMessage.text("config"))
                .block(WAIT);

        Pin pin = pins().create(config.messageId()).block(WAIT);

        assertThat(pin.messageId()).isEqualTo(config.messageId());
        assertThat(pin.chatId()).isEqualTo(chat.chatId);
        assertThat(pin.operatorId()).isEqualTo(lark.emulator().app().appId());
        assertThat(pin.operatorIdType()).isEqualTo("app_id");
        assertThat(pin.createTime()).isPositive();
        assertThat(pins().listAll(chat.chatId).collectList().block(WAIT))
                .extracting(Pin::messageId)
                .containsExactly(config.messageId());
    }

    @Test
    void given_a_pinned_message_when_unpinning_it_then_the_chat_has_no_pins() {
        EmuUser alice = lark.control().addUser("Alice");
        EmuChat chat = lark.control().createGroup("g", alice);
        String messageId = lark.control().sendText(alice, chat.chatId, "pin me").messageId();
        pins().create(messageId).block(WAIT);

        pins().delete(messageId).block(WAIT);

        assertThat(pins().list(chat.chatId, 50, null).block(WAIT).items()).isEmpty();
        assertThatThrownBy(() -> pins().delete(messageId).block(WAIT)).isInstanceOf(LarkException.class);
    }

    @Test
    void given_60_pins_when_listing_all_then_two_pages_are_walked_newest_pin_first() {
        EmuUser alice = lark.control().addUser("Alice");
        EmuChat chat = lark.control().createGroup("g", alice);
        List<String> pinned = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String id = lark.control().sendText(alice, chat.chatId, "m" + i).messageId();
            pins().create(id).block(WAIT);
            pinned.add(0, id);
        }

        Page<Pin> first = pins().list(chat.chatId, 50, null).block(WAIT);
        List<Pin> all = pins().listAll(chat.chatId).collectList().block(WAIT);

        assertThat(first.items()).hasSize(50);
        assertThat(first.hasMore()).isTrue();
        assertThat(all).extracting(Pin::messageId).containsExactlyElementsOf(pinned);
    }

    @Test
    void given_a_message_in_a_chat_the_bot_left_when_pinning_it_then_lark_refuses() {
        EmuUser alice = lark.control().addUser("Alice");
        EmuChat chat = lark.control().createGroup("g", alice);
        String messageId =
                lark.control().sendText(alice, chat.chatId, "not for the bot").messageId();
        lark.emulator()
                .state()
                .withChat(
                        chat.chatId,
                        c -> c.botAppIds.remove(lark.emulator().app().appId()));

        assertThatThrownBy(() -> pins().create(messageId).block(WAIT))
                .isInstanceOfSatisfying(LarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(232011);
                    assertThat(e.httpStatus()).isEqualTo(400);
                });
        assertThat(lark.emulator().state().chat(chat.chatId).orElseThrow().pins).isEmpty();
    }

    @Test
    void given_an_unknown_or_recalled_message_when_pinning_then_lark_says_message_not_found() {
        EmuUser alice = lark.control().addUser("Alice");
        EmuChat chat = lark.control().createGroup("g", alice);
        Message sent = lark.client()
                .messages()
                .sendToChat(chat.chatId, OutgoingMessage.text("gone"))
                .block(WAIT);
        lark.client().messages().recall(sent.messageId()).block(WAIT);

        for (String id : List.of("om_doesnotexist", sent.messageId())) {
            assertThatThrownBy(() -> pins().create(id).block(WAIT))
                    .isInstanceOfSatisfying(
                            LarkException.class, e -> assertThat(e.code()).isEqualTo(230011));
        }
    }

    @Test
    void given_missing_arguments_then_pin_calls_fail_naming_them() {
        assertThatThrownBy(() -> pins().create(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("message_id");
        assertThatThrownBy(() -> pins().delete(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("message_id");
        assertThatThrownBy(() -> pins().list(null, 50, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chat_id");
        assertThatThrownBy(() -> pins().list("oc_x", 51, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("page_size");
    }
}
