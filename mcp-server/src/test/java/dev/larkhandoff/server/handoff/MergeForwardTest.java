package dev.larkhandoff.server.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.larkhandoff.server.workspace.WorkspaceException;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Expanding a merge_forward into its messages (read with Lark's get-message call) against the emulator. */
class MergeForwardTest {

    @RegisterExtension
    final RecordedLark world = new RecordedLark();

    private MergeForward forwards;

    @BeforeEach
    void start() {
        forwards = new MergeForward(world.client.messages());
    }

    private String forwarded(List<String> messageIds) {
        var sent = world.lark.control().mergeForward(world.operator, world.chat.chatId, messageIds);
        sent.awaitAcks(RecordedLark.STORED);
        return sent.messageId();
    }

    @Test
    void given_three_messages_forwarded_then_they_come_back_in_order_read_like_replies() {
        String text = world.says(world.guest, "the error is in auth");
        var image = world.lark.control().sendImage(world.operator, world.chat.chatId, new byte[] {1});
        var file = world.lark.control().sendFile(world.coowner, world.chat.chatId, new byte[] {2}, "trace.log");
        String forward = forwarded(List.of(text, image.messageId(), file.messageId()));

        List<ForwardedMessage> children = forwards.expand(forward);

        assertThat(children)
                .extracting(
                        c -> c.reply().text(),
                        c -> c.reply().msgType(),
                        c -> c.reply().senderId())
                .containsExactly(
                        tuple("the error is in auth", "text", world.guest.openId()),
                        tuple("[image]", "image", world.operator.openId()),
                        tuple("[file: trace.log]", "file", world.coowner.openId()));
        assertThat(children).extracting(c -> c.reply().createTime()).isSorted();
        assertThat(children).allSatisfy(c -> {
            assertThat(c.reply().messageId()).startsWith("om_").isNotIn(text, image.messageId(), file.messageId());
            assertThat(c.reply().senderType()).isEqualTo("user");
            assertThat(c.children()).isEmpty();
        });
        assertThat(children.get(1).reply().imageKey()).startsWith("img_v3_");
        assertThat(children.get(2).reply().fileName()).isEqualTo("trace.log");
    }

    @Test
    void given_a_child_then_its_json_has_exactly_the_merge_forward_fields() {
        String forward = forwarded(List.of(world.says(world.guest, "hi")));

        var json = forwards.expand(forward).get(0).toJson();

        assertThat(json.propertyNames())
                .containsExactly("text", "msg_type", "message_id", "sender_id", "sender_type", "create_time");
    }

    @Test
    void given_a_forward_inside_a_forward_then_its_messages_are_its_children() {
        String before = world.says(world.operator, "before");
        String inner = forwarded(List.of(world.says(world.guest, "inner one"), world.says(world.guest, "inner two")));
        String outer = forwarded(List.of(before, inner));

        List<ForwardedMessage> children = forwards.expand(outer);

        assertThat(children).extracting(c -> c.reply().text()).containsExactly("before", "[merge_forward]");
        assertThat(children.get(1).children())
                .extracting(c -> c.reply().text())
                .containsExactly("inner one", "inner two");
        assertThat(children.get(1).toJson().get("children")).hasSize(2);
    }

    @Test
    void given_a_message_that_is_not_a_merge_forward_then_the_error_names_its_type() {
        String text = world.says(world.operator, "plain");

        assertThatThrownBy(() -> forwards.expand(text))
                .isInstanceOfSatisfying(
                        HandoffException.class,
                        e -> assertThat(e.problem()).isEqualTo(HandoffException.Problem.WRONG_MESSAGE_TYPE))
                .hasMessage("message " + text + " is a text message, not a merge_forward");
    }

    @Test
    void given_an_unknown_id_then_it_is_not_found_by_id() {
        assertThatThrownBy(() -> forwards.expand("om_00000000000000000000000000000000"))
                .isInstanceOfSatisfying(
                        HandoffException.class,
                        e -> assertThat(e.problem()).isEqualTo(HandoffException.Problem.NOT_FOUND))
                .hasMessageContaining("om_00000000000000000000000000000000")
                .hasMessageContaining("230011");
    }

    @Test
    void given_lark_refuses_then_its_code_and_message_are_named() {
        String forward = forwarded(List.of(world.says(world.guest, "hi")));
        world.lark
                .control()
                .failNext("GET", "/open-apis/im/v1/messages/" + forward, 400, 230002, "Bot is not in the chat", 1);

        assertThatThrownBy(() -> forwards.expand(forward))
                .isInstanceOfSatisfying(HandoffException.class, e -> {
                    assertThat(e.problem()).isEqualTo(HandoffException.Problem.LARK_ERROR);
                    assertThat(e.larkCode()).isEqualTo(230002);
                })
                .hasMessageContaining("Bot is not in the chat");
    }

    @Test
    void given_an_id_that_cannot_be_a_message_id_then_it_is_refused() {
        assertThatThrownBy(() -> forwards.expand("oc_a_chat_id"))
                .isInstanceOfSatisfying(
                        WorkspaceException.class,
                        e -> assertThat(e.problem()).isEqualTo(WorkspaceException.Problem.BAD_LARK_ID))
                .hasMessageContaining("message_id \"oc_a_chat_id\" is not a Lark message id");
    }
}
