package dev.larkhandoff.server.channel;

import dev.larkhandoff.server.tool.ToolArgs;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolSchema;
import dev.larkhandoff.server.tool.ToolSpec;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The channel's outbound tools ({@code reply}, {@code react}, {@code edit_message}), each a spec plus one handler
 * over {@link ChannelMessaging}. A Lark refusal reads {@code <tool> failed: <Lark's error>} (see {@link ToolCatalog}).
 */
public final class ChannelMessagingTools {

    public static final String REPLY = "reply";
    public static final String REACT = "react";
    public static final String EDIT = "edit_message";

    private static final Map<String, Object> MESSAGE_ID = ToolSchema.string("The Lark message id (om_…): the "
            + "message_id attribute of an inbound <channel> message, or an id a reply returned.");

    private ChannelMessagingTools() {}

    /** The three tools; a successful reply clears the "received" reactions in the chat it landed in. */
    public static ToolCatalog of(ChannelMessaging messaging, ReceivedIndicator indicator) {
        Objects.requireNonNull(messaging, "messaging");
        Objects.requireNonNull(indicator, "indicator");
        return catalog(messaging, indicator);
    }

    /** What the three tools look like to an agent, for a daemon that cannot run them yet (no Lark app). */
    public static List<ToolSpec> specs() {
        return catalog(null, null).specs();
    }

    private static ToolCatalog catalog(ChannelMessaging messaging, ReceivedIndicator indicator) {
        return ToolCatalog.builder()
                .add(
                        new ToolSpec(
                                REPLY,
                                "Send a message to the Lark/Feishu chat. The text is Markdown, rendered as "
                                        + "an interactive card; <@open_id> (e.g. <@ou_123>) becomes a real @-mention, <@all> mentions "
                                        + "everyone. Text too long for one card (about 28 KB) is split over several messages at "
                                        + "paragraph boundaries, code blocks kept intact where possible. To answer a specific message "
                                        + "pass its message_id: the reply is threaded under it and lands in that message's chat and "
                                        + "topic, whatever chat_id says. Omit message_id for a post of your own to chat_id. "
                                        + "Returns the id of the message sent.",
                                ToolSchema.object()
                                        .required(
                                                "chat_id",
                                                ToolSchema.string("The chat (oc_…): the chat_id attribute of the "
                                                        + "inbound <channel> message."))
                                        .required(
                                                "text",
                                                ToolSchema.string(
                                                        "The message, in Markdown. <@open_id> mentions " + "someone."))
                                        .optional(
                                                "message_id",
                                                ToolSchema.string("Optional. The message being answered "
                                                        + "(om_…); the reply is threaded under it."))
                                        .build()),
                        call -> {
                            ToolArgs in = call.args();
                            ReplySent sent = messaging.reply(
                                    in.string("chat_id"),
                                    in.string("text"),
                                    in.optionalString("message_id"),
                                    call.callerSessionId());
                            indicator.replied(sent.chatId());
                            List<String> ids = sent.messageIds();
                            return ToolResult.ok(
                                    ids.size() == 1
                                            ? "Sent to " + sent.chatId() + " as " + ids.get(0) + "."
                                            : "Sent to " + sent.chatId() + " in " + ids.size() + " messages.");
                        })
                .add(
                        new ToolSpec(
                                REACT,
                                "Add an emoji reaction to a message in the Lark/Feishu chat.",
                                ToolSchema.object()
                                        .required("message_id", MESSAGE_ID)
                                        .required(
                                                "emoji",
                                                ToolSchema.string(
                                                        "A Lark emoji_type, case-sensitive: THUMBSUP, OK, "
                                                                + "DONE, HEART, SMILE, THINKING, APPLAUSE, MUSCLE, JIAYI, LGTM, OnIt, Typing …"))
                                        .build()),
                        call -> {
                            ToolArgs in = call.args();
                            String messageId = in.string("message_id");
                            String emoji = in.string("emoji");
                            messaging.react(messageId, emoji);
                            return ToolResult.ok("Reacted " + emoji + " to " + messageId + ".");
                        })
                .add(
                        new ToolSpec(
                                EDIT,
                                "Replace the text of a message the bot sent earlier (a card from reply) with "
                                        + "new Markdown. The new text must fit in one card (about 28 KB); to say more, send a reply.",
                                ToolSchema.object()
                                        .required(
                                                "message_id",
                                                ToolSchema.string("The id of a message the bot sent (om_…), as "
                                                        + "reply returned it."))
                                        .required(
                                                "text",
                                                ToolSchema.string(
                                                        "The new text, in Markdown. <@open_id> mentions " + "someone."))
                                        .build()),
                        call -> {
                            ToolArgs in = call.args();
                            String messageId = in.string("message_id");
                            messaging.edit(messageId, in.string("text"));
                            return ToolResult.ok("Edited " + messageId + ".");
                        })
                .build();
    }
}
