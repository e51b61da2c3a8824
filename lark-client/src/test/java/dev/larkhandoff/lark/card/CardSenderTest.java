package dev.larkhandoff.lark.card;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.emulator.openapi.OpenApiServer.CallRecord;
import dev.larkhandoff.lark.EmulatedLark;
import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.LarkJson;
import dev.larkhandoff.lark.im.OutgoingMessage;
import dev.larkhandoff.lark.im.ReceiveIdType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class CardSenderTest {

    private static final String MESSAGES = "/open-apis/im/v1/messages";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final EmulatedLark lark = new EmulatedLark();

    private EmuChat chat;
    private CardSender sender;

    @BeforeEach
    void setUp() {
        EmuUser alice = lark.control().addUser("Alice");
        chat = lark.control().createGroup("g", alice);
        sender = new CardSender(lark.client().messages());
    }

    private static ObjectNode question() {
        return Cards.buttons(
                "Deploy?",
                CardColor.ORANGE,
                "Ship **v2** to prod",
                List.of(Button.action("Yes", ButtonStyle.PRIMARY, "y"), Button.action("No", ButtonStyle.DANGER, "n")));
    }

    private List<CallRecord> sends() {
        return lark.control().calls().stream()
                .filter(c -> c.method().equals("POST") && c.path().startsWith(MESSAGES))
                .toList();
    }

    @Test
    void given_lark_accepts_the_card_when_sending_then_it_arrives_as_built() {
        CardDelivery d = sender.sendToChat(chat.chatId, question()).block(WAIT);

        assertThat(d.form()).isEqualTo(CardForm.CARD_V2);
        assertThat(d.isText()).isFalse();
        JsonNode stored = lark.control().card(d.message().messageId());
        assertThat(stored.at("/schema").stringValue()).isEqualTo("2.0");
        assertThat(stored.at("/body/elements/1/columns/0/elements/0/behaviors/0/value/action")
                        .stringValue())
                .isEqualTo("y");
        assertThat(sends()).hasSize(1);
    }

    @Test
    void given_a_card_v2_outage_when_sending_then_it_is_delivered_as_a_v1_card_without_buttons() {
        lark.control().failCardsV2(1);

        CardDelivery d = sender.sendToChat(chat.chatId, question()).block(WAIT);

        assertThat(d.form()).isEqualTo(CardForm.CARD_V1);
        assertThat(sends()).extracting(CallRecord::code).containsExactly(230099, 0);
        List<EmuMessage> bot = lark.control().botMessages(chat.chatId);
        assertThat(bot).singleElement().satisfies(m -> {
            assertThat(m.messageId()).isEqualTo(d.message().messageId());
            assertThat(m.msgType()).isEqualTo("interactive");
        });
        JsonNode stored = lark.control().card(d.message().messageId());
        assertThat(stored.has("schema")).isFalse();
        assertThat(stored.at("/header/title/content").stringValue()).isEqualTo("Deploy?");
        assertThat(stored.at("/header/template").stringValue()).isEqualTo("orange");
        assertThat(stored.at("/elements/0/text/content").stringValue()).isEqualTo("Ship **v2** to prod");
        assertThat(stored.toString()).contains(CardFallback.V1_NOTE).doesNotContain("button");
    }

    @Test
    void given_the_v1_card_also_fails_when_sending_then_it_is_delivered_as_text() {
        lark.control().failNext("POST", MESSAGES, 400, 230099, "card content failed", 2);

        CardDelivery d = sender.sendToChat(chat.chatId, question()).block(WAIT);

        assertThat(d.form()).isEqualTo(CardForm.TEXT);
        assertThat(d.isText()).isTrue();
        assertThat(sends()).extracting(CallRecord::code).containsExactly(230099, 230099, 0);
        EmuMessage m = lark.control().botMessages(chat.chatId).get(0);
        assertThat(m.msgType()).isEqualTo("text");
        assertThat(LarkJson.read(m.content()).get("text").stringValue())
                .isEqualTo("[Deploy?]\nShip **v2** to prod\n(Lark Card V2 down)");
    }

    @Test
    void given_every_form_fails_with_230099_when_sending_then_the_last_error_is_thrown_with_the_others_attached() {
        lark.control().failNext("POST", MESSAGES, 400, 230099, "card content failed", 3);

        assertThatThrownBy(() -> sender.sendToChat(chat.chatId, question()).block(WAIT))
                .isInstanceOfSatisfying(LarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(230099);
                    // block() adds its own suppressed marker; the earlier refusals are the LarkExceptions.
                    assertThat(e.getSuppressed())
                            .filteredOn(LarkException.class::isInstance)
                            .extracting(t -> ((LarkException) t).code())
                            .containsExactly(230099, 230099);
                });
        assertThat(sends()).hasSize(3);
        assertThat(lark.control().botMessages(chat.chatId)).isEmpty();
    }

    @Test
    void given_any_other_error_when_sending_then_it_is_thrown_at_once_without_fallback() {
        lark.control().failNext("POST", MESSAGES, 400, 230002, "bot is not in the chat", 1);

        assertThatThrownBy(() -> sender.sendToChat(chat.chatId, question()).block(WAIT))
                .isInstanceOfSatisfying(LarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(230002);
                    assertThat(e.getSuppressed()).noneMatch(LarkException.class::isInstance);
                });
        assertThat(sends()).hasSize(1);
        assertThat(lark.control().botMessages(chat.chatId)).isEmpty();
    }

    @Test
    void given_an_unknown_chat_when_sending_then_lark_error_surfaces_without_fallback() {
        assertThatThrownBy(
                        () -> sender.sendToChat("oc_doesnotexist", question()).block(WAIT))
                .isInstanceOfSatisfying(
                        LarkException.class, e -> assertThat(e.code()).isEqualTo(232011));
        assertThat(sends()).hasSize(1);
    }

    @Test
    void given_a_v1_card_refused_with_230099_when_sending_then_it_goes_straight_to_text() {
        ObjectNode v1 = CardFallback.toV1(question());
        lark.control().failNext("POST", MESSAGES, 400, 230099, "card content failed", 1);

        CardDelivery d = sender.send(ReceiveIdType.CHAT_ID, chat.chatId, v1, "caller-uuid-1")
                .block(WAIT);

        assertThat(d.form()).isEqualTo(CardForm.TEXT);
        assertThat(sends()).hasSize(2);
    }

    @Test
    void given_a_card_v2_outage_when_replying_then_the_reply_is_a_v1_card_under_the_parent() {
        String parent = lark.client()
                .messages()
                .sendToChat(chat.chatId, OutgoingMessage.text("question"))
                .block(WAIT)
                .messageId();
        lark.control().failCardsV2(1);

        CardDelivery d = sender.reply(parent, Cards.status("Done ✓", "Completed in 3s", CardColor.GREEN), false, null)
                .block(WAIT);

        assertThat(d.form()).isEqualTo(CardForm.CARD_V1);
        assertThat(d.message().parentId()).isEqualTo(parent);
        assertThat(lark.control()
                        .card(d.message().messageId())
                        .at("/header/title/content")
                        .stringValue())
                .isEqualTo("Done ✓");
    }

    @Test
    void given_both_cards_fail_when_replying_then_the_reply_is_text() {
        String parent = lark.client()
                .messages()
                .sendToChat(chat.chatId, OutgoingMessage.text("question"))
                .block(WAIT)
                .messageId();
        lark.control().failNext("POST", MESSAGES + "/" + parent + "/reply", 400, 230099, "card content failed", 2);

        CardDelivery d = sender.reply(parent, Cards.markdown("see above").toJson(), true, null)
                .block(WAIT);

        assertThat(d.form()).isEqualTo(CardForm.TEXT);
        assertThat(d.message().msgType()).isEqualTo("text");
        assertThat(d.message().parentId()).isEqualTo(parent);
    }
}
