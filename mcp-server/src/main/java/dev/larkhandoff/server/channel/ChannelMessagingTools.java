package dev.larkhandoff.server.channel;

import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.server.tool.ToolCall;
import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The channel's outbound tools, under fixed names: {@code reply}, {@code react}, {@code edit_message}. */
public final class ChannelMessagingTools {

    public static final String REPLY = "reply";
    public static final String REACT = "react";
    public static final String EDIT = "edit_message";

    private static final Logger log = LoggerFactory.getLogger(ChannelMessagingTools.class);

    private static final Map<String, Object> MESSAGE_ID = string("The Lark message id (om_…): the message_id "
            + "attribute of an inbound <channel> message, or an id a reply returned.");

    private ChannelMessagingTools() {
    }

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
                .add(new ToolSpec(REPLY, "Send a message to the Lark/Feishu chat. The text is Markdown, rendered as "
                        + "an interactive card; <@open_id> (e.g. <@ou_123>) becomes a real @-mention, <@all> mentions "
                        + "everyone. Text too long for one card (about 28 KB) is split over several messages at "
                        + "paragraph boundaries, code blocks kept intact where possible. To answer a specific message "
                        + "pass its message_id: the reply is threaded under it and lands in that message's chat and "
                        + "topic, whatever chat_id says. Omit message_id for a post of your own to chat_id. "
                        + "Returns the id of the message sent.",
                        ToolSpec.objectSchema(properties(
                                "chat_id", string("The chat (oc_…): the chat_id attribute of the inbound <channel> "
                                        + "message."),
                                "text", string("The message, in Markdown. <@open_id> mentions someone."),
                                "message_id", string("Optional. The message being answered (om_…); the reply is "
                                        + "threaded under it.")),
                                List.of("chat_id", "text"))),
                        call -> reply(messaging, indicator, call))
                .add(new ToolSpec(REACT, "Add an emoji reaction to a message in the Lark/Feishu chat.",
                        ToolSpec.objectSchema(properties(
                                "message_id", MESSAGE_ID,
                                "emoji", string("A Lark emoji_type, case-sensitive: THUMBSUP, OK, DONE, HEART, SMILE, "
                                        + "THINKING, APPLAUSE, MUSCLE, JIAYI, LGTM, OnIt, Typing …")),
                                List.of("message_id", "emoji"))),
                        call -> react(messaging, call))
                .add(new ToolSpec(EDIT, "Replace the text of a message the bot sent earlier (a card from reply) with "
                        + "new Markdown. The new text must fit in one card (about 28 KB); to say more, send a reply.",
                        ToolSpec.objectSchema(properties(
                                "message_id", string("The id of a message the bot sent (om_…), as reply returned it."),
                                "text", string("The new text, in Markdown. <@open_id> mentions someone.")),
                                List.of("message_id", "text"))),
                        call -> edit(messaging, call))
                .build();
    }

    private static ToolResult reply(ChannelMessaging messaging, ReceivedIndicator indicator, ToolCall call) {
        return withArguments(call, List.of("chat_id", "text"), args -> {
            String messageId = optional(call, "message_id");
            return lark(REPLY, () -> {
                ReplySent sent = messaging.reply(args.get("chat_id"), args.get("text"), messageId,
                        call.callerSessionId());
                indicator.replied(sent.chatId());
                List<String> ids = sent.messageIds();
                return ids.size() == 1
                        ? "Sent to " + sent.chatId() + " as " + ids.get(0) + "."
                        : "Sent to " + sent.chatId() + " in " + ids.size() + " messages.";
            });
        });
    }

    private static ToolResult react(ChannelMessaging messaging, ToolCall call) {
        return withArguments(call, List.of("message_id", "emoji"), args -> lark(REACT, () -> {
            messaging.react(args.get("message_id"), args.get("emoji"));
            return "Reacted " + args.get("emoji") + " to " + args.get("message_id") + ".";
        }));
    }

    private static ToolResult edit(ChannelMessaging messaging, ToolCall call) {
        return withArguments(call, List.of("message_id", "text"), args -> lark(EDIT, () -> {
            messaging.edit(args.get("message_id"), args.get("text"));
            return "Edited " + args.get("message_id") + ".";
        }));
    }

    /** Runs the tool with its required arguments, or answers which one is missing. */
    private static ToolResult withArguments(ToolCall call, List<String> required,
            Function<Map<String, String>, ToolResult> tool) {
        Map<String, String> args = new LinkedHashMap<>();
        for (String key : required) {
            Object value = call.arguments().get(key);
            if (value != null && !(value instanceof String)) {
                return ToolResult.error("argument " + key + " must be a string");
            }
            if (value == null || ((String) value).isBlank()) {
                return ToolResult.error("missing or empty required argument: " + key);
            }
            args.put(key, (String) value);
        }
        return tool.apply(args);
    }

    /** An optional string argument; absent, blank or not a string all read as absent. */
    private static String optional(ToolCall call, String key) {
        return call.arguments().get(key) instanceof String s && !s.isBlank() ? s : null;
    }

    /** Runs a Lark action, turning Lark's refusals into error results that name its code and message. */
    private static ToolResult lark(String tool, Supplier<String> action) {
        try {
            return ToolResult.ok(action.get());
        } catch (LarkException | ReplyIncompleteException e) {
            log.warn("{} failed: {}", tool, e.getMessage());
            return ToolResult.error(tool + " failed: " + e.getMessage());
        }
    }

    private static Map<String, Object> string(String description) {
        return Map.of("type", "string", "description", description);
    }

    /** Properties in the order given, so agents read the schema in a sensible order. */
    private static Map<String, Object> properties(Object... keysAndSchemas) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < keysAndSchemas.length; i += 2) {
            out.put((String) keysAndSchemas[i], keysAndSchemas[i + 1]);
        }
        return out;
    }
}
