package dev.larkhandoff.server.channel;

import static dev.larkhandoff.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.lark.LarkClientConfig;
import dev.larkhandoff.lark.LarkJson;
import dev.larkhandoff.lark.card.CardText;
import dev.larkhandoff.lark.im.OutgoingMessage;
import dev.larkhandoff.server.tool.ToolCall;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolSpec;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.store.chat.SentMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/** The reply, react and edit_message tools against the Lark emulator over real sockets, with a real SQLite store. */
class ChannelMessagingToolsTest {

    @RegisterExtension
    final TestWorld world = TestWorld.builder().lark().store().build();

    private ToolCatalog tools;
    private EmuUser alice;
    private EmuUser bob;
    private EmuChat chat;

    @BeforeEach
    void start() {
        ChannelMessaging messaging =
                new ChannelMessaging(world.client().messages(), world.store().chats());
        tools = ChannelMessagingTools.of(
                messaging, new ReceivedIndicator(world.client().messages(), new Random(1)));
        alice = world.lark().control().addUser("Alice");
        bob = world.lark().control().addUser("Bob");
        chat = world.lark().control().createGroup("team", alice, bob);
    }

    private ToolResult call(String tool, Object... keysAndValues) {
        Map<String, Object> args = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            args.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return tools.call(tool, ToolCall.of("session-1", args));
    }

    private List<EmuMessage> botMessages(String chatId) {
        return world.lark().control().botMessages(chatId);
    }

    private String markdownOf(EmuMessage message) {
        return CardText.of(world.lark().control().card(message.messageId())).body();
    }

    // ---- the catalog ----

    @Test
    void given_the_catalog_then_it_offers_reply_react_and_edit_message_with_their_required_arguments() {
        assertThat(tools.specs()).extracting(ToolSpec::name).containsExactly("reply", "react", "edit_message");
        assertThat(tools.specs())
                .extracting(spec -> spec.inputSchema().get("required"))
                .containsExactly(
                        List.of("chat_id", "text"), List.of("message_id", "emoji"), List.of("message_id", "text"));
        @SuppressWarnings("unchecked")
        Map<String, Object> replyProperties =
                (Map<String, Object>) tools.specs().get(0).inputSchema().get("properties");
        assertThat(replyProperties).containsOnlyKeys("chat_id", "text", "message_id");
        assertThat(tools.specs())
                .allSatisfy(spec -> assertThat(spec.description()).isNotBlank());
    }

    // ---- reply ----

    @Test
    void given_a_short_reply_when_sent_then_one_card_shows_the_markdown_and_a_real_mention() {
        ToolResult result =
                call("reply", "chat_id", chat.chatId, "text", "**Done.** <@" + alice.openId() + "> please review");

        List<EmuMessage> sent = botMessages(chat.chatId);
        assertThat(sent).singleElement().satisfies(m -> assertThat(m.msgType()).isEqualTo("interactive"));
        String id = sent.get(0).messageId();
        assertThat(result).isEqualTo(ToolResult.ok("Sent to " + chat.chatId + " as " + id + "."));
        JsonNode card = world.lark().control().card(id);
        assertThat(card.path("schema").asString()).isEqualTo("2.0");
        assertThat(markdownOf(sent.get(0))).isEqualTo("**Done.** <at id=" + alice.openId() + "></at> please review");
        assertThat(world.store().chats().lookupParent(id)).hasValueSatisfying(row -> {
            assertThat(row.chatId()).isEqualTo(chat.chatId);
            assertThat(row.sessionId()).isEqualTo("session-1");
            assertThat(row.kind()).isEqualTo("message");
        });
    }

    @Test
    void given_a_100_kb_reply_when_sent_then_it_arrives_as_ordered_cards_under_28_kb_that_reassemble_the_text() {
        String text = longText();
        assertThat(text.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(100 * 1024);

        ToolResult result = call("reply", "chat_id", chat.chatId, "text", text);

        List<EmuMessage> sent = botMessages(chat.chatId);
        assertThat(sent.size()).isGreaterThanOrEqualTo(4);
        assertThat(result).isEqualTo(ToolResult.ok("Sent to " + chat.chatId + " in " + sent.size() + " messages."));
        List<String> seen = new ArrayList<>();
        for (EmuMessage m : sent) {
            JsonNode card = world.lark().control().card(m.messageId());
            assertThat(LarkJson.write(card).getBytes(StandardCharsets.UTF_8).length)
                    .isLessThan(28 * 1000);
            assertThat(LarkJson.write(LarkJson.write(card)).getBytes(StandardCharsets.UTF_8).length)
                    .as("the card as escaped inside the send request")
                    .isLessThan(28 * 1000);
            assertThat(card.path("body").path("elements").get(0).path("tag").asString())
                    .isEqualTo("collapsible_panel");
            List<MarkdownLine> lines = MarkdownLine.parse(markdownOf(m));
            assertThat(lines.get(lines.size() - 1).kind().fenceOpenAfter())
                    .as("fences balanced in %s", m.messageId())
                    .isFalse();
            lines.stream().filter(l -> !isFenceMarker(l)).forEach(l -> seen.add(l.text()));
            assertThat(world.store().chats().isBotSent(m.messageId())).isTrue();
        }
        List<String> expected =
                MarkdownLine.parse(text.replace("<@" + bob.openId() + ">", "<at id=" + bob.openId() + "></at>"))
                        .stream()
                        .filter(l -> !isFenceMarker(l))
                        .map(MarkdownLine::text)
                        .toList();
        assertThat(seen).containsExactlyElementsOf(expected);
        List<String> withLog = sent.stream()
                .map(this::markdownOf)
                .filter(md -> md.contains("log line "))
                .toList();
        assertThat(withLog.size()).as("cards holding the 40 KB code block").isGreaterThan(1);
        assertThat(withLog).allMatch(md -> md.contains("```text\n"), "reopens the block with its info string");
    }

    private static boolean isFenceMarker(MarkdownLine line) {
        return line.kind() == MarkdownLine.Kind.FENCE_OPEN || line.kind() == MarkdownLine.Kind.FENCE_CLOSE;
    }

    /** About 110 KB of sections: prose with a mention, small code blocks, CJK, and one code block of 40 KB. */
    private String longText() {
        StringBuilder text = new StringBuilder();
        for (int section = 0; text.length() < 100_000; section++) {
            text.append("## Section ").append(section).append("\n\n");
            for (int line = 0; line < 5; line++) {
                text.append("Line ")
                        .append(section)
                        .append('.')
                        .append(line)
                        .append(": the build \"passed\" on `main`, 测试通过 ✅, asked <@")
                        .append(bob.openId())
                        .append("> to look.\n");
            }
            text.append('\n');
            if (section % 4 == 0) {
                text.append("```java\n");
                for (int line = 0; line < 20; line++) {
                    text.append("    assertThat(x").append(line).append(").isEqualTo(\"value\\n\");\n");
                }
                text.append("```\n\n");
            }
            if (section == 30) {
                text.append("```text\n");
                for (int line = 0; line < 1100; line++) {
                    text.append("log line ").append(line).append(": everything is fine here\n");
                }
                text.append("```\n\n");
            }
        }
        return text.append("The end.").toString();
    }

    @Test
    void given_a_message_id_and_a_wrong_chat_when_replying_then_the_reply_lands_under_that_message_in_its_chat() {
        EmuChat other = world.lark().control().createGroup("other", alice);
        String asked = world.lark()
                .control()
                .sendText(alice, chat.chatId, "what broke?")
                .messageId();

        ToolResult result = call("reply", "chat_id", other.chatId, "text", "the cache", "message_id", asked);

        assertThat(botMessages(other.chatId)).isEmpty();
        EmuMessage reply = botMessages(chat.chatId).get(0);
        assertThat(reply.parentId()).isEqualTo(asked);
        assertThat(result).isEqualTo(ToolResult.ok("Sent to " + chat.chatId + " as " + reply.messageId() + "."));
        assertThat(world.store().chats().lookupParent(reply.messageId()))
                .map(SentMessage::chatId)
                .hasValue(chat.chatId);
    }

    @Test
    void given_a_question_inside_a_thread_when_replying_to_it_then_every_card_of_the_reply_stays_in_that_thread() {
        String root =
                world.lark().control().sendText(alice, chat.chatId, "release?").messageId();
        EmuMessage inThread = world.lark()
                .control()
                .sendTextReply(bob, chat.chatId, "and the notes?", new EmulatorControl.Reply(root, true))
                .message();

        ToolResult result = call(
                "reply",
                "chat_id",
                chat.chatId,
                "text",
                "Long notes.\n\n".repeat(3000),
                "message_id",
                inThread.messageId());

        assertThat(result.isError()).isFalse();
        assertThat(botMessages(chat.chatId)).hasSizeGreaterThan(1).allSatisfy(m -> {
            assertThat(m.parentId()).isEqualTo(inThread.messageId());
            assertThat(m.threadId()).isEqualTo(inThread.threadId()).isNotNull();
        });
    }

    @Test
    void given_a_card_v2_outage_when_replying_then_the_reply_still_lands_as_a_1_0_card() {
        world.lark().control().failCardsV2(1);

        ToolResult result = call("reply", "chat_id", chat.chatId, "text", "still here");

        assertThat(result.isError()).isFalse();
        JsonNode card =
                world.lark().control().card(botMessages(chat.chatId).get(0).messageId());
        assertThat(card.has("schema")).isFalse();
        assertThat(CardText.of(card).body()).contains("still here");
    }

    @Test
    void given_a_chat_without_the_bot_when_replying_then_the_error_names_larks_code_and_message() {
        world.lark().control().removeBot(chat.chatId, alice);

        ToolResult result = call("reply", "chat_id", chat.chatId, "text", "hello");

        assertThat(result.isError()).isTrue();
        assertThat(result.text()).startsWith("reply failed: Lark error 230002: Bot is not in the chat");
        assertThat(result.text()).doesNotContain(world.lark().app().appSecret());
    }

    @Test
    void given_lark_refusing_a_later_card_of_a_long_reply_then_the_error_says_what_went_out_and_that_is_recorded() {
        // One send per second in a chat, so the refusal can be armed between the first card and the second.
        try (LarkClient paced = LarkClient.create(LarkClientConfig.of(
                        world.lark().baseUrl(),
                        world.lark().app().appId(),
                        world.lark().app().appSecret())
                .withRateLimits(1, 50))) {
            ToolCatalog pacedTools = ChannelMessagingTools.of(
                    new ChannelMessaging(paced.messages(), world.store().chats()),
                    new ReceivedIndicator(paced.messages(), new Random(1)));
            CompletableFuture<ToolResult> reply = CompletableFuture.supplyAsync(() -> pacedTools.call(
                    "reply",
                    ToolCall.of("s1", Map.of("chat_id", chat.chatId, "text", "Long notes.\n\n".repeat(3000)))));
            await(() -> botMessages(chat.chatId).size() == 1, "the first card");
            world.lark()
                    .control()
                    .failNext("POST", "/open-apis/im/v1/messages", 400, 230002, "Bot is not in the chat", 1);

            ToolResult result = reply.join();

            String first = botMessages(chat.chatId).get(0).messageId();
            assertThat(result.isError()).isTrue();
            assertThat(result.text())
                    .startsWith("reply failed: sent 1 of 2 messages (" + first
                            + "), then Lark error 230002: Bot is not in the chat");
            assertThat(botMessages(chat.chatId)).hasSize(1);
            assertThat(world.store().chats().isBotSent(first)).isTrue();
        }
    }

    // ---- react ----

    @Test
    void given_a_message_when_reacting_then_the_bot_s_emoji_is_on_it() {
        String id =
                world.lark().control().sendText(alice, chat.chatId, "shipped").messageId();

        ToolResult result = call("react", "message_id", id, "emoji", "THUMBSUP");

        assertThat(result).isEqualTo(ToolResult.ok("Reacted THUMBSUP to " + id + "."));
        assertThat(world.lark().state().reactions(id)).singleElement().satisfies(r -> {
            assertThat(r.emojiType()).isEqualTo("THUMBSUP");
            assertThat(r.operatorType()).isEqualTo("app");
        });
    }

    @Test
    void given_an_unknown_message_when_reacting_then_the_error_says_lark_does_not_know_it() {
        ToolResult result = call("react", "message_id", "om_nope", "emoji", "THUMBSUP");

        assertThat(result.isError()).isTrue();
        assertThat(result.text()).startsWith("react failed: Lark error 230011: message not found: om_nope");
    }

    // ---- edit_message ----

    @Test
    void given_a_card_the_bot_sent_when_editing_it_then_the_card_shows_the_new_text_and_the_store_has_it() {
        call("reply", "chat_id", chat.chatId, "text", "working on it");
        EmuMessage card = botMessages(chat.chatId).get(0);

        ToolResult result =
                call("edit_message", "message_id", card.messageId(), "text", "done, <@" + bob.openId() + ">");

        assertThat(result).isEqualTo(ToolResult.ok("Edited " + card.messageId() + "."));
        assertThat(markdownOf(card)).isEqualTo("done, <at id=" + bob.openId() + "></at>");
        assertThat(botMessages(chat.chatId)).hasSize(1);
        assertThat(world.store().chats().lookupParent(card.messageId())).hasValueSatisfying(row -> {
            assertThat(row.text()).isEqualTo("done, <at id=" + bob.openId() + "></at>");
            assertThat(row.chatId()).isEqualTo(chat.chatId);
        });
    }

    @Test
    void given_a_text_too_long_for_one_card_when_editing_then_the_error_names_the_limit_and_nothing_changes() {
        call("reply", "chat_id", chat.chatId, "text", "short");
        String id = botMessages(chat.chatId).get(0).messageId();

        ToolResult result = call("edit_message", "message_id", id, "text", "A long paragraph.\n\n".repeat(3000));

        assertThat(result.isError()).isTrue();
        assertThat(result.text())
                .startsWith("text is too long for one card: it needs ")
                .contains("of at most 28000 bytes each");
        assertThat(markdownOf(botMessages(chat.chatId).get(0))).isEqualTo("short");
    }

    @Test
    void given_an_unknown_message_when_editing_then_the_error_names_larks_code() {
        ToolResult result = call("edit_message", "message_id", "om_nope", "text", "x");

        assertThat(result.isError()).isTrue();
        assertThat(result.text()).startsWith("edit_message failed: Lark error 230011: message not found: om_nope");
    }

    @Test
    void given_a_text_message_the_bot_sent_when_editing_it_then_larks_refusal_of_the_patch_is_surfaced() {
        String id = world.client()
                .messages()
                .sendToChat(chat.chatId, OutgoingMessage.text("plain"))
                .block()
                .messageId();

        ToolResult result = call("edit_message", "message_id", id, "text", "new");

        assertThat(result.isError()).isTrue();
        assertThat(result.text()).startsWith("edit_message failed: Lark error 230001: only interactive messages");
    }

    @Test
    void given_someone_else_s_message_when_editing_it_then_lark_refuses() {
        String id = world.lark().control().sendText(alice, chat.chatId, "mine").messageId();

        ToolResult result = call("edit_message", "message_id", id, "text", "new");

        assertThat(result.isError()).isTrue();
        assertThat(result.text()).contains("the bot can only change its own messages");
    }

    // ---- arguments ----

    @Test
    void given_a_missing_or_empty_required_argument_then_the_error_names_it_exactly_and_nothing_is_sent() {
        assertThat(call("reply", "text", "hi"))
                .isEqualTo(ToolResult.error("missing or empty required argument: chat_id"));
        assertThat(call("reply", "chat_id", chat.chatId, "text", "  "))
                .isEqualTo(ToolResult.error("missing or empty required argument: text"));
        assertThat(call("react", "message_id", "om_x"))
                .isEqualTo(ToolResult.error("missing or empty required argument: emoji"));
        assertThat(call("react", "emoji", "OK"))
                .isEqualTo(ToolResult.error("missing or empty required argument: message_id"));
        assertThat(call("edit_message", "message_id", "", "text", "x"))
                .isEqualTo(ToolResult.error("missing or empty required argument: message_id"));
        assertThat(call("edit_message", "message_id", "om_x"))
                .isEqualTo(ToolResult.error("missing or empty required argument: text"));
        assertThat(call("reply", "chat_id", chat.chatId, "text", 42))
                .isEqualTo(ToolResult.error("argument text must be a string"));
        assertThat(botMessages(chat.chatId)).isEmpty();
        assertThat(world.lark().control().calls()).noneMatch(c -> c.path().startsWith("/open-apis/im/"));
    }
}
