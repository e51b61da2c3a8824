package dev.larkhandoff.lark.im;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.lark.EmulatedLark;
import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.LarkJson;
import dev.larkhandoff.lark.http.LarkHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class MessageApiTest {

    @RegisterExtension
    final EmulatedLark lark = new EmulatedLark();

    @TempDir
    Path dir;

    private EmuUser alice;
    private EmuChat chat;
    private MessageApi messages;

    @BeforeEach
    void setUp() {
        alice = lark.control().addUser("Alice");
        chat = lark.control().createGroup("team", alice);
        messages = lark.client().messages();
    }

    private Path file(String name, int size) throws Exception {
        Path p = dir.resolve(name);
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) i;
        }
        Files.write(p, bytes);
        return p;
    }

    @Test
    void given_a_text_with_an_at_tag_when_sent_then_lark_stores_it_with_a_mention_placeholder() {
        Message m = messages.sendToChat(
                        chat.chatId, OutgoingMessage.text("<at user_id=\"" + alice.openId() + "\">Alice</at> done"))
                .block();

        assertThat(m.messageId()).startsWith("om_");
        assertThat(m.sentByApp()).isTrue();
        assertThat(m.sender().idType()).isEqualTo("app_id");
        assertThat(m.createTime()).isPositive();
        assertThat(LarkJson.read(m.content()).path("text").asString()).isEqualTo("@_user_1 done");
        assertThat(m.mentions())
                .singleElement()
                .satisfies(x -> assertThat(x.id()).isEqualTo(alice.openId()));
    }

    @Test
    void given_each_sendable_type_when_sent_then_the_emulator_holds_it_with_that_type() throws Exception {
        String imageKey = lark.client()
                .resources()
                .uploadImage(file("a.png", 64), ResourceApi.ImageType.MESSAGE)
                .block();
        String fileKey = lark.client()
                .resources()
                .uploadFile(file("r.pdf", 128), ResourceApi.FileType.PDF, "report.pdf", null)
                .block();
        var post = LarkJson.object();
        var zh = post.putObject("zh_cn").put("title", "T");
        zh.putArray("content").addArray().addObject().put("tag", "text").put("text", "body");
        var card = LarkJson.object().put("schema", "2.0");
        card.putObject("body")
                .putArray("elements")
                .addObject()
                .put("tag", "markdown")
                .put("content", "**hi**");

        List<OutgoingMessage> outgoing = List.of(
                OutgoingMessage.text("t"),
                OutgoingMessage.post(post),
                OutgoingMessage.image(imageKey),
                OutgoingMessage.file(fileKey),
                OutgoingMessage.sticker("file_v3_st"),
                OutgoingMessage.interactive(card));
        for (OutgoingMessage o : outgoing) {
            messages.sendToChat(chat.chatId, o).block();
        }

        assertThat(lark.control().botMessages(chat.chatId))
                .extracting(EmuMessage::msgType)
                .containsExactly("text", "post", "image", "file", "sticker", "interactive");
        EmuMessage storedFile = lark.control().botMessages(chat.chatId).get(3);
        assertThat(LarkJson.read(storedFile.content()).path("file_name").asString())
                .isEqualTo("report.pdf");
        assertThat(LarkJson.read(lark.control().botMessages(chat.chatId).get(1).content())
                        .path("title")
                        .asString())
                .isEqualTo("T");
    }

    @Test
    void given_the_same_uuid_twice_then_lark_posts_once() {
        Message a = messages.send(ReceiveIdType.CHAT_ID, chat.chatId, OutgoingMessage.text("x"), "uuid-1")
                .block();
        Message b = messages.send(ReceiveIdType.CHAT_ID, chat.chatId, OutgoingMessage.text("x"), "uuid-1")
                .block();

        assertThat(b.messageId()).isEqualTo(a.messageId());
        assertThat(lark.control().botMessages(chat.chatId)).hasSize(1);
    }

    @Test
    void given_a_person_message_when_the_bot_replies_in_thread_then_parent_root_and_thread_are_set() {
        var question = lark.control().sendText(alice, chat.chatId, "question");

        Message reply = messages.reply(question.messageId(), OutgoingMessage.text("answer"), true, null)
                .block();
        Message again = messages.reply(reply.messageId(), OutgoingMessage.text("more"), false, null)
                .block();

        assertThat(reply.parentId()).isEqualTo(question.messageId());
        assertThat(reply.rootId()).isEqualTo(question.messageId());
        assertThat(reply.threadId()).startsWith("omt_");
        assertThat(again.rootId()).isEqualTo(question.messageId());
        assertThat(again.threadId()).isEqualTo(reply.threadId());
    }

    @Test
    void given_a_merge_forward_when_read_then_children_come_in_time_order_with_nested_forwards() {
        var one = lark.control().sendText(alice, chat.chatId, "one");
        var two = lark.control().sendText(alice, chat.chatId, "two");
        var inner = lark.control().mergeForward(alice, chat.chatId, List.of(one.messageId()));
        var outer = lark.control().mergeForward(alice, chat.chatId, List.of(two.messageId(), inner.messageId()));

        MessageApi.MergeForward forward =
                messages.getForwarded(outer.messageId()).block();

        assertThat(forward.container().msgType()).isEqualTo("merge_forward");
        assertThat(forward.container().content()).isEqualTo("Merged and Forwarded Message");
        assertThat(forward.children()).extracting(Message::msgType).containsExactly("text", "merge_forward");
        assertThat(LarkJson.read(forward.children().get(0).content())
                        .path("text")
                        .asString())
                .isEqualTo("two");
        String nested = forward.children().get(1).messageId();
        assertThat(forward.childrenOf(nested))
                .singleElement()
                .satisfies(
                        m -> assertThat(LarkJson.read(m.content()).path("text").asString())
                                .isEqualTo("one"));
    }

    @Test
    void given_a_card_when_patched_then_lark_shows_the_new_card() {
        var card = LarkJson.object();
        card.putObject("config").put("update_multi", true);
        card.putArray("elements").addObject().put("tag", "markdown").put("content", "v1");
        Message m = messages.sendToChat(chat.chatId, OutgoingMessage.interactive(card))
                .block();
        var v2 = card.deepCopy();
        ((tools.jackson.databind.node.ObjectNode) v2.get("elements").get(0)).put("content", "v2");

        messages.patchCard(m.messageId(), v2).block();

        assertThat(lark.control()
                        .card(m.messageId())
                        .path("elements")
                        .get(0)
                        .path("content")
                        .asString())
                .isEqualTo("v2");
    }

    @Test
    void given_a_bot_message_when_recalled_then_reading_it_fails_with_lark_code() {
        Message m =
                messages.sendToChat(chat.chatId, OutgoingMessage.text("oops")).block();

        messages.recall(m.messageId()).block();

        assertThatThrownBy(() -> messages.get(m.messageId()).block())
                .isInstanceOfSatisfying(
                        LarkException.class, e -> assertThat(e.code()).isEqualTo(230011));
    }

    @Test
    void given_reactions_when_added_listed_and_removed_then_each_step_is_visible() {
        var question = lark.control().sendText(alice, chat.chatId, "q");

        Reaction thinking =
                messages.addReaction(question.messageId(), "THINKING").block();
        messages.addReaction(question.messageId(), "THUMBSUP").block();
        List<Reaction> all =
                messages.reactions(question.messageId(), null).collectList().block();
        List<Reaction> onlyThinking = messages.reactions(question.messageId(), "THINKING")
                .collectList()
                .block();
        Reaction removed = messages.deleteReaction(question.messageId(), thinking.reactionId())
                .block();

        assertThat(thinking.reactionId()).isNotBlank();
        assertThat(thinking.operator().operatorType()).isEqualTo("app");
        assertThat(all).extracting(Reaction::emojiType).containsExactly("THINKING", "THUMBSUP");
        assertThat(onlyThinking).hasSize(1);
        assertThat(removed.reactionId()).isEqualTo(thinking.reactionId());
        assertThat(messages.reactions(question.messageId(), null).collectList().block())
                .hasSize(1);
    }

    @Test
    void given_history_of_more_than_one_page_then_paging_walks_it_newest_first() {
        for (int i = 0; i < 7; i++) {
            lark.control().sendText(alice, chat.chatId, "m" + i);
        }
        Page<Message> first = messages.history(chat.chatId, true, 5, null).block();
        Page<Message> second =
                messages.history(chat.chatId, true, 5, first.pageToken()).block();

        assertThat(first.items()).hasSize(5);
        assertThat(first.hasMore()).isTrue();
        assertThat(LarkJson.read(first.items().get(0).content()).path("text").asString())
                .isEqualTo("m6");
        assertThat(second.items()).hasSize(2);
        assertThat(second.hasMore()).isFalse();
    }

    @Test
    void given_an_image_someone_sent_when_downloaded_then_it_streams_to_the_target_file() throws Exception {
        byte[] png = new byte[200_000];
        new java.util.Random(1).nextBytes(png);
        var sent = lark.control().sendImage(alice, chat.chatId, png);
        String key = LarkJson.read(sent.message().content()).path("image_key").asString();

        LarkHttp.Download d = lark.client()
                .resources()
                .download(sent.messageId(), key, ResourceApi.ResourceType.IMAGE, dir.resolve("got.png"), 1_000_000)
                .block();

        assertThat(d.bytes()).isEqualTo(png.length);
        assertThat(Files.readAllBytes(d.file())).isEqualTo(png);
        assertThat(d.fileName()).isEqualTo("image.png");
    }

    @Test
    void given_a_file_over_the_size_limit_when_downloaded_then_it_fails_and_leaves_nothing_behind() throws Exception {
        var sent = lark.control().sendFile(alice, chat.chatId, new byte[50_000], "big.bin");
        String key = LarkJson.read(sent.message().content()).path("file_key").asString();
        Path target = dir.resolve("big.bin");

        assertThatThrownBy(() -> lark.client()
                        .resources()
                        .download(sent.messageId(), key, ResourceApi.ResourceType.FILE, target, 10_000)
                        .block())
                .isInstanceOfSatisfying(LarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(LarkException.CLIENT_LIMIT);
                    assertThat(e.getMessage()).contains("10000 bytes");
                });
        try (var left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void given_a_forwarded_child_when_its_resource_is_downloaded_then_lark_refuses_with_234043() throws Exception {
        var image = lark.control().sendImage(alice, chat.chatId, new byte[] {1, 2, 3});
        var forward = lark.control().mergeForward(alice, chat.chatId, List.of(image.messageId()));
        Message child =
                messages.getForwarded(forward.messageId()).block().children().get(0);
        String key = LarkJson.read(child.content()).path("image_key").asString();

        assertThatThrownBy(() -> lark.client()
                        .resources()
                        .download(child.messageId(), key, ResourceApi.ResourceType.IMAGE, dir.resolve("x"), 1000)
                        .block())
                .isInstanceOfSatisfying(
                        LarkException.class, e -> assertThat(e.code()).isEqualTo(234043));
    }

    @Test
    void given_an_empty_upload_then_the_client_refuses_before_calling_lark() throws Exception {
        Path empty = dir.resolve("empty.png");
        Files.write(empty, new byte[0]);

        assertThatThrownBy(() -> lark.client().resources().uploadImage(empty, ResourceApi.ImageType.MESSAGE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void given_the_bot_is_not_in_the_chat_then_sending_fails_with_lark_code() {
        var other = lark.control().createGroup("other", alice);
        lark.control().removeBot(other.chatId, alice);

        assertThatThrownBy(() -> messages.sendToChat(other.chatId, OutgoingMessage.text("x"))
                        .block())
                .isInstanceOfSatisfying(
                        LarkException.class, e -> assertThat(e.code()).isEqualTo(230002));
    }
}
