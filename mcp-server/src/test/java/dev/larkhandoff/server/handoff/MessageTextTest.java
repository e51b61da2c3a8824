package dev.larkhandoff.server.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.lark.card.Cards;
import dev.larkhandoff.lark.im.Message;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.node.ObjectNode;

/**
 * The text-extraction rules per message type (see {@link MessageText}),
 * on messages read back through Lark's read API from the emulator, as a parent lookup reads them.
 */
class MessageTextTest {

    @RegisterExtension
    final RecordedLark world = new RecordedLark();

    /** What Lark's read API says the message is, read by the rules. */
    private MessageText read(String messageId) {
        Message m = world.client.messages().get(messageId).block();
        return MessageText.of(m.msgType(), m.content());
    }

    private MessageText sentAs(String msgType, String contentJson) {
        return read(world.sends(world.operator, msgType, (ObjectNode) EmuJson.read(contentJson), List.of()));
    }

    @Nested
    class Messages {

        @Test
        void text_is_the_text() {
            assertThat(read(world.says(world.operator, "fix the build")).text()).isEqualTo("fix the build");
        }

        @Test
        void post_is_its_title_then_its_paragraphs_with_image_placeholders() {
            MessageText t = sentAs("post", """
                    {"title": "Plan", "content": [[{"tag": "text", "text": "step one"}],
                      [{"tag": "img", "image_key": "img_v3_a"}, {"tag": "text", "text": " see"}],
                      [{"tag": "emotion", "emoji_type": "SMILE"}, {"tag": "code_block", "text": "x = 1"}]]}""");

            assertThat(t.text()).isEqualTo("Plan\nstep one\n[image] see\n:SMILE:x = 1");
            assertThat(t.imageKeys()).containsExactly("img_v3_a");
        }

        @Test
        void image_is_image() {
            String id = world.lark
                    .control()
                    .sendImage(world.operator, world.chat.chatId, new byte[] {1})
                    .messageId();

            assertThat(read(id).text()).isEqualTo("[image]");
        }

        @Test
        void file_is_its_name() {
            String id = world.lark
                    .control()
                    .sendFile(world.operator, world.chat.chatId, new byte[] {1}, "notes.md")
                    .messageId();

            MessageText t = read(id);

            assertThat(t.text()).isEqualTo("[file: notes.md]");
            assertThat(t.fileName()).isEqualTo("notes.md");
        }

        @Test
        void audio_video_and_sticker_are_tags() {
            String audio = world.lark
                    .control()
                    .sendAudio(world.operator, world.chat.chatId, new byte[] {1}, 1000)
                    .messageId();
            String video = world.lark
                    .control()
                    .sendMedia(world.operator, world.chat.chatId, new byte[] {1}, new byte[] {2}, "demo.mp4", 1000)
                    .messageId();
            String sticker = world.sticker(world.operator);

            assertThat(List.of(
                            read(audio).text(),
                            read(video).text(),
                            read(sticker).text()))
                    .containsExactly("[audio]", "[video: demo.mp4]", "[sticker]");
        }

        @Test
        void merge_forward_is_merge_forward() {
            String a = world.says(world.guest, "first");
            String id = world.lark
                    .control()
                    .mergeForward(world.operator, world.chat.chatId, List.of(a))
                    .messageId();

            assertThat(read(id).text()).isEqualTo("[merge_forward]");
        }

        @Test
        void shared_chat_user_location_and_system_messages_say_what_they_are() {
            assertThat(sentAs("share_chat", "{\"chat_id\": \"oc_42\"}").text()).isEqualTo("[shared chat: oc_42]");
            assertThat(sentAs("share_user", "{\"user_id\": \"ou_42\"}").text()).isEqualTo("[shared user: ou_42]");
            assertThat(sentAs("location", "{\"name\": \"Office\", \"latitude\": \"1\"}")
                            .text())
                    .isEqualTo("[location: Office]");
            assertThat(sentAs("system", """
                    {"template": "{from_user} invited {to_chatters} to this chat.",
                     "from_user": ["Olivia"], "to_chatters": ["Gina", "Colin"]}""").text()).isEqualTo("Olivia invited Gina, Colin to this chat.");
        }

        @Test
        void any_other_type_is_named() {
            assertThat(sentAs("vote", "{\"topic\": \"lunch\"}").text()).isEqualTo("[vote message]");
        }

        @Test
        void content_that_does_not_match_its_type_is_named_too() {
            assertThat(MessageText.of("text", "Merged and Forwarded Message").text())
                    .isEqualTo("[text message]");
            assertThat(MessageText.of(null, "{}").text()).isEqualTo("[unknown message]");
        }
    }

    @Nested
    class CardMessages {

        @Test
        void a_card_the_bot_sent_is_its_title_and_markdown() {
            String id = world.botSendsCard(
                    Cards.status("Build finished", "All **42** tests pass", dev.larkhandoff.lark.card.CardColor.GREEN));

            assertThat(read(id).text()).isEqualTo("Build finished\nAll **42** tests pass");
        }

        @Test
        void a_one_point_oh_card_is_its_header_and_div_texts() {
            MessageText t = sentAs("interactive", """
                    {"header": {"title": {"tag": "plain_text", "content": "Permission Request"}},
                     "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": "**Tool:** `Bash`"}},
                                  {"tag": "action", "actions": [{"tag": "button", "text": {"content": "Approve"}}]}]}""");

            assertThat(t.text()).isEqualTo("Permission Request\n**Tool:** `Bash`");
        }

        @Test
        void the_simplified_card_lark_reads_back_is_its_title_and_text_runs() {
            MessageText t = sentAs("interactive", """
                    {"title": "Deploy?", "elements": [[{"tag": "text", "text": "to "}, {"tag": "text", "text": "prod"}],
                                                     [{"tag": "button", "text": "Yes"}]]}""");

            assertThat(t.text()).isEqualTo("Deploy?\nto prod");
        }

        @Test
        void a_card_without_text_is_card() {
            assertThat(sentAs("interactive", "{\"elements\": []}").text()).isEqualTo("[card]");
        }
    }
}
