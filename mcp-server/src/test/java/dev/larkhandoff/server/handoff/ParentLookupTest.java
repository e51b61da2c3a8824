package dev.larkhandoff.server.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.emulator.openapi.OpenApiServer.CallRecord;
import dev.larkhandoff.lark.im.OutgoingMessage;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.workspace.WorkspaceException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Parent lookup (the local store first, then Lark's API) against the emulator and a real store. */
class ParentLookupTest {

    @RegisterExtension
    final RecordedLark world = new RecordedLark();

    private ParentLookup parents;

    @BeforeEach
    void start() {
        parents = new ParentLookup(world.store.chats(), world.client.messages());
    }

    private long reads(String messageId) {
        return world.lark.control().calls().stream()
                .map(CallRecord::path)
                .filter(p -> p.equals("/open-apis/im/v1/messages/" + messageId))
                .count();
    }

    @Test
    void given_a_message_the_bot_sent_then_it_is_found_locally_without_asking_lark() {
        String mine = world.botSays("Which branch should I use?");

        ParentMessage parent = parents.find(mine).orElseThrow();

        assertThat(parent.source()).isEqualTo("local");
        assertThat(parent.text()).isEqualTo("Which branch should I use?");
        assertThat(parent.senderType()).isEqualTo("app");
        assertThat(reads(mine)).isZero();
    }

    @Test
    void given_someone_elses_message_then_lark_is_asked_and_mention_keys_read_as_names() {
        String theirs = world.says(world.guest, "can you check this?", world.operator.openId());

        ParentMessage parent = parents.find(theirs).orElseThrow();

        assertThat(parent.source()).isEqualTo("api");
        assertThat(parent.msgType()).isEqualTo("text");
        assertThat(parent.text()).isEqualTo("@Olivia can you check this?");
        assertThat(parent.senderId()).isEqualTo(world.guest.openId());
        assertThat(parent.senderType()).isEqualTo("user");
        assertThat(reads(theirs)).isEqualTo(1);
    }

    @Test
    void given_a_bot_message_the_store_does_not_know_then_lark_reads_it_by_the_same_rules() {
        String unrecorded = world.client
                .messages()
                .sendToChat(
                        world.chat.chatId,
                        OutgoingMessage.interactive(dev.larkhandoff.lark.card.Cards.status(
                                "Tests", "3 failed", dev.larkhandoff.lark.card.CardColor.RED)))
                .block()
                .messageId();

        ParentMessage parent = parents.find(unrecorded).orElseThrow();

        assertThat(parent.source()).isEqualTo("api");
        assertThat(parent.msgType()).isEqualTo("interactive");
        assertThat(parent.text()).isEqualTo("Tests\n3 failed");
        assertThat(parent.senderType()).isEqualTo("app");
    }

    @Test
    void given_a_found_parent_then_its_json_says_found_and_where_from() {
        String mine = world.botSays("hello");

        var json = parents.find(mine).orElseThrow().toJson();

        assertThat(json.propertyNames())
                .containsExactly("found", "source", "message_id", "text", "sender_type", "create_time");
        assertThat(ServerJson.mapper().writeValueAsString(json)).contains("\"found\":true", "\"source\":\"local\"");
    }

    @Test
    void given_an_id_neither_knows_then_it_is_not_found() {
        assertThat(parents.find("om_00000000000000000000000000000000")).isEmpty();
    }

    @Test
    void given_a_recalled_message_then_it_is_not_found() {
        String gone = world.client
                .messages()
                .sendToChat(world.chat.chatId, OutgoingMessage.text("oops"))
                .block()
                .messageId();
        world.client.messages().recall(gone).block();

        assertThat(parents.find(gone)).isEmpty();
    }

    @Test
    void given_lark_refuses_for_another_reason_then_the_error_names_the_message_and_lark_code() {
        String theirs = world.says(world.guest, "hi");
        world.lark
                .control()
                .failNext("GET", "/open-apis/im/v1/messages/" + theirs, 400, 230002, "Bot is not in the chat", 1);

        assertThatThrownBy(() -> parents.find(theirs))
                .isInstanceOfSatisfying(HandoffException.class, e -> {
                    assertThat(e.problem()).isEqualTo(HandoffException.Problem.LARK_ERROR);
                    assertThat(e.larkCode()).isEqualTo(230002);
                })
                .hasMessageContaining(theirs)
                .hasMessageContaining("230002")
                .hasMessageContaining("Bot is not in the chat");
    }

    @Test
    void given_an_id_that_cannot_be_a_message_id_then_it_is_refused_before_any_call() {
        assertThatThrownBy(() -> parents.find("../../open-apis/im/v1/chats"))
                .isInstanceOfSatisfying(
                        WorkspaceException.class,
                        e -> assertThat(e.problem()).isEqualTo(WorkspaceException.Problem.BAD_LARK_ID))
                .hasMessageContaining("parent_id \"../../open-apis/im/v1/chats\" is not a Lark message id");
        assertThat(world.lark.control().calls()).noneMatch(c -> c.path().contains("/im/v1/messages/"));
    }
}
