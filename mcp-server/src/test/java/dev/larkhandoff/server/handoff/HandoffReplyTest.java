package dev.larkhandoff.server.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.lark.card.Button;
import dev.larkhandoff.lark.card.ButtonStyle;
import dev.larkhandoff.lark.card.CardColor;
import dev.larkhandoff.lark.card.Cards;
import dev.larkhandoff.lark.card.FormField;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.store.inbox.InboxEvent;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.node.ObjectNode;

/**
 * The reply object the agent's wait returns (its fields, each message type's text, card callbacks; docs/handoff.md)
 * built from inbox rows that the emulator's events left in a real store.
 */
class HandoffReplyTest {

    @RegisterExtension
    final RecordedLark world = new RecordedLark();

    private HandoffReply stored(String messageId) {
        return HandoffReply.fromInbox(world.row(messageId).event()).orElseThrow();
    }

    /** The only stored event that is not a message (reactions and card actions have no chat message id of their own). */
    private HandoffReply onlyStored() {
        assertThat(world.rows()).hasSize(1);
        return HandoffReply.fromInbox(world.rows().get(0).event()).orElseThrow();
    }

    private long createTime(String messageId) {
        return world.lark.control().message(messageId).orElseThrow().createTime();
    }

    @Nested
    class Messages {

        @Test
        void text_keeps_its_mention_keys_and_lists_who_they_name() {
            String id = world.says(world.operator, "ask Gina", world.bot, world.guest.openId());

            HandoffReply r = stored(id);

            assertThat(r.text()).isEqualTo("@_user_1 @_user_2 ask Gina");
            assertThat(r.msgType()).isEqualTo("text");
            assertThat(r.messageId()).isEqualTo(id);
            assertThat(r.senderId()).isEqualTo(world.operator.openId());
            assertThat(r.senderType()).isEqualTo("user");
            assertThat(r.createTime()).isEqualTo(createTime(id));
            assertThat(r.mentions())
                    .extracting(HandoffReply.Mention::key, HandoffReply.Mention::id, HandoffReply.Mention::name)
                    .containsExactly(
                            tuple("@_user_1", world.bot, world.lark.app().name()),
                            tuple("@_user_2", world.guest.openId(), "Gina"));
        }

        @Test
        void a_reply_carries_its_parent_id() {
            String parent = world.botSays("which branch?");
            String id = world.repliesTo(world.operator, parent, "main");

            assertThat(stored(id).parentId()).isEqualTo(parent);
        }

        @Test
        void post_reads_title_and_paragraphs_with_images_in_place_and_their_keys_comma_joined() {
            ObjectNode post = (ObjectNode) EmuJson.read("""
                    {"title": "Bug report",
                     "content": [[{"tag": "text", "text": "It fails "}, {"tag": "a", "text": "here", "href": "https://x"}],
                                 [{"tag": "img", "image_key": "img_v3_one"}, {"tag": "img", "image_key": "img_v3_two"}],
                                 [{"tag": "at", "user_id": "ou_x", "user_name": "Gina"}, {"tag": "text", "text": " look"}]]}""");
            String id = world.sends(world.operator, "post", post, List.of());

            HandoffReply r = stored(id);

            assertThat(r.text()).isEqualTo("Bug report\nIt fails here\n[image][image]\n@Gina look");
            assertThat(r.imageKey()).isEqualTo("img_v3_one,img_v3_two");
        }

        @Test
        void a_post_in_a_locale_wrapper_reads_the_same() {
            ObjectNode post = (ObjectNode) EmuJson.read("""
                    {"zh_cn": {"title": "", "content": [[{"tag": "text", "text": "你好"}]]}}""");
            String id = world.sends(world.operator, "post", post, List.of());

            assertThat(stored(id).text()).isEqualTo("你好");
        }

        @Test
        void an_empty_post_reads_post() {
            String id =
                    world.sends(world.operator, "post", (ObjectNode) EmuJson.read("{\"content\": [[]]}"), List.of());

            assertThat(stored(id).text()).isEqualTo("[post]");
        }

        @Test
        void image_reads_image_with_its_key() {
            String id = world.lark
                    .control()
                    .sendImage(world.operator, world.chat.chatId, new byte[] {1, 2, 3})
                    .messageId();
            waitStored(id);

            HandoffReply r = stored(id);

            assertThat(r.text()).isEqualTo("[image]");
            assertThat(r.imageKey()).startsWith("img_v3_");
            assertThat(r.fileKey()).isNull();
        }

        @Test
        void file_reads_its_name_with_key_and_name() {
            String id = world.lark
                    .control()
                    .sendFile(world.operator, world.chat.chatId, new byte[] {1}, "report.pdf")
                    .messageId();
            waitStored(id);

            HandoffReply r = stored(id);

            assertThat(r.text()).isEqualTo("[file: report.pdf]");
            assertThat(r.fileKey()).startsWith("file_v3_");
            assertThat(r.fileName()).isEqualTo("report.pdf");
        }

        @Test
        void audio_video_and_sticker_carry_the_key_to_fetch_them() {
            String audio = world.lark
                    .control()
                    .sendAudio(world.operator, world.chat.chatId, new byte[] {1}, 3000)
                    .messageId();
            String video = world.lark
                    .control()
                    .sendMedia(world.operator, world.chat.chatId, new byte[] {1}, new byte[] {2}, "clip.mp4", 5000)
                    .messageId();
            String sticker = world.sticker(world.operator);
            waitStored(audio);
            waitStored(video);

            assertThat(List.of(stored(audio), stored(video), stored(sticker)))
                    .extracting(
                            HandoffReply::text, HandoffReply::msgType, r -> r.fileKey() != null, HandoffReply::fileName)
                    .containsExactly(
                            tuple("[audio]", "audio", true, null),
                            tuple("[video: clip.mp4]", "media", true, "clip.mp4"),
                            tuple("[sticker]", "sticker", true, null));
        }

        @Test
        void merge_forward_reads_merge_forward() {
            String a = world.says(world.guest, "first");
            var forward = world.lark.control().mergeForward(world.operator, world.chat.chatId, List.of(a));
            waitStored(forward.messageId());

            assertThat(stored(forward.messageId()).text()).isEqualTo("[merge_forward]");
        }

        @Test
        void other_types_read_as_a_tag() {
            String chat =
                    world.sends(world.operator, "share_chat", EmuJson.object().put("chat_id", "oc_shared"), List.of());
            String todo = world.sends(world.operator, "todo", EmuJson.object().put("task_id", "t1"), List.of());

            assertThat(stored(chat).text()).isEqualTo("[shared chat: oc_shared]");
            assertThat(stored(todo).text()).isEqualTo("[todo message]");
        }

        private void waitStored(String messageId) {
            dev.larkhandoff.testing.Eventually.await(
                    () -> world.rows().stream()
                            .anyMatch(r -> messageId.equals(r.event().messageId())),
                    "stored " + messageId);
        }
    }

    @Nested
    class ExactShape {

        @Test
        void a_text_reply_has_its_fields_in_the_fixed_order_and_nothing_empty() {
            String id = world.says(world.operator, "hi", world.bot);

            String json = ServerJson.mapper().writeValueAsString(stored(id).toJson());

            assertThat(json)
                    .isEqualTo("{\"text\":\"@_user_1 hi\",\"msg_type\":\"text\",\"message_id\":\"" + id + "\","
                            + "\"mentions\":[{\"key\":\"@_user_1\",\"id\":\"" + world.bot + "\",\"name\":\""
                            + world.lark.app().name() + "\"}],"
                            + "\"sender_id\":\"" + world.operator.openId() + "\",\"sender_type\":\"user\","
                            + "\"create_time\":\"" + createTime(id) + "\"}");
        }

        @Test
        void a_tagged_file_reply_adds_privilege_and_file_fields() {
            String id = world.lark
                    .control()
                    .sendFile(world.guest, world.chat.chatId, new byte[] {1}, "a.txt")
                    .messageId();
            dev.larkhandoff.testing.Eventually.await(() -> world.rows().size() == 1, "stored");

            var json = stored(id).withPrivilege(Privilege.GUEST).toJson();

            assertThat(json.propertyNames())
                    .containsExactly(
                            "text",
                            "msg_type",
                            "message_id",
                            "sender_id",
                            "sender_type",
                            "privilege",
                            "file_key",
                            "file_name",
                            "create_time");
            assertThat(json.get("privilege").asString()).isEqualTo("guest");
        }
    }

    @Nested
    class Reactions {

        @Test
        void a_reaction_is_its_emoji_aimed_at_the_message() {
            String mine = world.botSays("done");
            world.reacts(world.operator, mine, "THUMBSUP");

            HandoffReply r = onlyStored();

            assertThat(r.toJson().propertyNames())
                    .containsExactly(
                            "text",
                            "msg_type",
                            "message_id",
                            "sender_id",
                            "sender_type",
                            "create_time",
                            "target_message_id");
            assertThat(r.text()).isEqualTo("THUMBSUP");
            assertThat(r.msgType()).isEqualTo("reaction");
            assertThat(r.messageId()).isEmpty();
            assertThat(r.targetMessageId()).isEqualTo(mine);
            assertThat(r.senderId()).isEqualTo(world.operator.openId());
            assertThat(r.senderType()).isEqualTo("user");
            assertThat(r.createTime()).isPositive();
        }
    }

    @Nested
    class CardActions {

        private String formCard() {
            var fields = List.<FormField>of(
                    new FormField.Select(
                            "env",
                            "Environment",
                            List.of(new FormField.Option("Staging", "staging"), new FormField.Option("Prod", "prod")),
                            null),
                    new FormField.Input("notes", "Anything else?", false));
            return world.botSendsCard(Cards.form("Deploy", "where to?", fields)
                    .withCancel("Cancel")
                    .withChatId(world.chat.chatId)
                    .toJson());
        }

        @Test
        void a_button_is_a_button_action_with_its_value() {
            String card = world.botSendsCard(Cards.buttons(
                    "Merge?",
                    CardColor.BLUE,
                    "PR 12",
                    List.of(
                            Button.action("Yes", ButtonStyle.PRIMARY, "y"),
                            Button.action("No", ButtonStyle.DANGER, "n"))));
            world.lark.control().clickButton(world.operator, card, "No");

            HandoffReply r = onlyStored();

            assertThat(r.msgType()).isEqualTo("button_action");
            assertThat(r.text()).isEqualTo("n");
            assertThat(r.messageId()).isEmpty();
            assertThat(r.targetMessageId()).isEqualTo(card);
            assertThat(r.senderId()).isEqualTo(world.operator.openId());
            assertThat(r.senderType()).isEqualTo("user");
        }

        @Test
        void cancel_is_a_button_action_saying_cancel() {
            String card = formCard();
            world.lark.control().clickButton(world.operator, card, "Cancel");

            assertThat(onlyStored())
                    .extracting(HandoffReply::msgType, HandoffReply::text)
                    .containsExactly("button_action", HandoffReply.CANCEL);
        }

        @Test
        void a_form_with_one_value_is_a_form_action_with_that_value() {
            String card = formCard();
            world.lark
                    .control()
                    .submitForm(world.operator, card, EmuJson.object().put("env", "prod"));

            assertThat(onlyStored())
                    .extracting(HandoffReply::msgType, HandoffReply::text)
                    .containsExactly("form_action", "prod");
        }

        @Test
        void a_form_with_several_values_is_a_form_action_with_all_of_them_as_json() {
            String card = formCard();
            world.lark
                    .control()
                    .submitForm(
                            world.operator,
                            card,
                            EmuJson.object().put("env", "prod").put("notes", "asap"));

            HandoffReply r = onlyStored();

            assertThat(r.msgType()).isEqualTo("form_action");
            assertThat(ServerJson.mapper().readTree(r.text()))
                    .isEqualTo(ServerJson.mapper().readTree("{\"env\":\"prod\",\"notes\":\"asap\"}"));
        }

        @Test
        void a_checker_alone_is_its_boolean() {
            var fields = List.<FormField>of(new FormField.Checker("agree", "I agree", false));
            String card = world.botSendsCard(Cards.form("Terms", "", fields)
                    .withChatId(world.chat.chatId)
                    .toJson());
            world.lark
                    .control()
                    .submitForm(world.operator, card, EmuJson.object().put("agree", true));

            assertThat(onlyStored().text()).isEqualTo("true");
        }

        @Test
        void a_select_outside_a_form_is_a_select_action() {
            String card = formCard();
            world.lark.control().selectOption(world.operator, card, "staging");

            assertThat(onlyStored())
                    .extracting(HandoffReply::msgType, HandoffReply::text)
                    .containsExactly("select_action", "staging");
        }

        @Test
        void the_stop_button_is_a_stop_signal() {
            String card = world.botSendsCard(
                    Cards.working("Bash: make", world.chat.chatId).toJson(java.time.Duration.ZERO));
            world.lark.control().clickButton(world.operator, card, "Stop");

            assertThat(onlyStored())
                    .extracting(HandoffReply::msgType, HandoffReply::text)
                    .containsExactly("stop_signal", "__stop__");
        }
    }

    @Nested
    class Relays {

        @Test
        void a_relay_names_where_it_came_from_and_has_no_sender() {
            var event = new Relay("api is deployed", "oc_api", "api@desk", "ws-9", 1_760_000_000_123L)
                    .toInboxEvent(world.chat.chatId);
            world.store.inbox().insertIfAbsent(event);

            var json = onlyStored().toJson();

            assertThat(ServerJson.mapper().writeValueAsString(json))
                    .isEqualTo("{\"text\":\"api is deployed\","
                            + "\"msg_type\":\"relay\",\"message_id\":\"\",\"sender_id\":\"\",\"sender_type\":\"relay\","
                            + "\"create_time\":\"1760000000123\",\"from_chat_id\":\"oc_api\",\"from_chat_name\":\"api@desk\","
                            + "\"from_workspace\":\"ws-9\"}");
        }

        @Test
        void each_relay_is_a_row_of_its_own() {
            Relay relay = new Relay("same words", "oc_api", "api@desk", "ws-9", 1);
            world.store.inbox().insertIfAbsent(relay.toInboxEvent(world.chat.chatId));
            world.store.inbox().insertIfAbsent(relay.toInboxEvent(world.chat.chatId));

            assertThat(world.store.inbox().history(world.chat.chatId, 10)).hasSize(2);
        }
    }

    @Nested
    class NotReplies {

        @Test
        void the_bot_joining_a_chat_is_no_reply() {
            world.lark.control().addBot(world.chat.chatId, world.operator).join();

            assertThat(HandoffReply.fromInbox(world.rows().get(0).event())).isEmpty();
        }

        @Test
        void a_payload_that_is_not_json_is_unreadable_by_name() {
            world.store.inbox().insertIfAbsent(InboxEvent.of("ev-broken", "im.message.receive_v1", "{not json"));

            assertThatThrownBy(() -> HandoffReply.fromInbox(world.rows().get(0).event()))
                    .isInstanceOfSatisfying(
                            HandoffException.class,
                            e -> assertThat(e.problem()).isEqualTo(HandoffException.Problem.UNREADABLE))
                    .hasMessageContaining("event:ev-broken");
        }

        @Test
        void a_message_event_without_a_message_id_is_unreadable() {
            String raw =
                    "{\"schema\":\"2.0\",\"header\":{\"event_id\":\"ev-2\",\"event_type\":\"im.message.receive_v1\"},"
                            + "\"event\":{\"message\":{\"chat_id\":\"oc_x\",\"message_type\":\"text\"}}}";
            world.store.inbox().insertIfAbsent(InboxEvent.of("ev-2", "im.message.receive_v1", raw));

            assertThatThrownBy(() -> HandoffReply.fromInbox(world.rows().get(0).event()))
                    .isInstanceOf(HandoffException.class)
                    .hasMessageContaining("lacks message_id");
        }
    }
}
