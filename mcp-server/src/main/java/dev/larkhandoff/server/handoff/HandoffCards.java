package dev.larkhandoff.server.handoff;

import dev.larkhandoff.lark.card.Button;
import dev.larkhandoff.lark.card.ButtonStyle;
import dev.larkhandoff.lark.card.CardColor;
import dev.larkhandoff.lark.card.Cards;
import dev.larkhandoff.lark.event.CardAction;
import dev.larkhandoff.lark.event.CardResponse;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The handoff's own cards (start, hand-back, relay, done, stopped) and the synchronous answers to clicks on its
 * question cards: a toast for the person who clicked and the card recoloured with the choice.
 */
public final class HandoffCards {

    /** Answers read as "no": the replaced card turns red. */
    private static final Set<String> NEGATIVE = Set.of("n", "no", "deny", "reject", "0");

    private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm");
    static final String AGENT_SDK = "Claude Agent SDK";

    private HandoffCards() {}

    /** The card that announces a handoff: which tool and model now listen in this chat. */
    public static ObjectNode start(String tool, String model, LocalTime at) {
        return Cards.status(
                "Handoff from " + agentName(tool, model),
                "Handed off to Lark at " + at.format(HH_MM) + ". Reply here to continue working.",
                colorOf(tool));
    }

    /** The card that hands the conversation back to the terminal. */
    public static ObjectNode handBack(String tool, String body) {
        return Cards.status(
                "Hand back to " + (tool == null || tool.isBlank() ? "the terminal" : tool),
                body == null || body.isBlank() ? "Handing back to CLI." : body,
                colorOf(tool));
    }

    /** A message relayed from another handoff group. */
    public static ObjectNode relay(String fromChatName, String text) {
        return Cards.status("📨 Relay from 💬" + fromChatName, text, CardColor.BLUE);
    }

    /** What the working card becomes when the agent answers. */
    public static ObjectNode done(Duration elapsed) {
        long s = Math.max(0, elapsed.toSeconds());
        String took = s < 60 ? s + "s" : s / 60 + "m " + s % 60 + "s";
        return Cards.status("Done ✓", "Completed in " + took, CardColor.GREEN);
    }

    /** A question with two buttons; each carries what the answer card needs (chat, title, body). */
    public static ObjectNode twoChoices(String chatId, String title, String body, List<String> choices) {
        List<Button> buttons = new java.util.ArrayList<>();
        for (int i = 0; i < choices.size(); i++) {
            String choice = choices.get(i);
            buttons.add(Button.action(choice, i == 0 ? ButtonStyle.PRIMARY : ButtonStyle.DEFAULT, choice)
                    .with("chat_id", chatId)
                    .with("title", title == null ? "Confirmed" : title)
                    .with("body", truncate(body, 500)));
        }
        return Cards.buttons(title, CardColor.BLUE, body, buttons);
    }

    /** The answer to a click on a question card: "Got it" and the card showing the choice. */
    public static CardResponse answered(CardAction action, String text) {
        JsonNode value = action.action().value();
        String title = textOf(value, "title", "Confirmed");
        String body = textOf(value, "body", "");
        boolean negative = NEGATIVE.contains(text.strip().toLowerCase(Locale.ROOT));
        String shown = text.length() > 200 ? text.substring(0, 200) + "…" : text;
        String markdown = (body.isBlank() ? "" : body + "\n\n") + "> Selected: **" + escape(shown) + "**";
        return CardResponse.toast(negative ? "warning" : "success", (negative ? "Denied: " : "Got it: ") + shown)
                .withCard(Cards.status(title, markdown, negative ? CardColor.RED : CardColor.GREEN));
    }

    /** The answer to a click on a permission card: the card becomes the decision. */
    public static CardResponse decided(String body, String action) {
        boolean always = "always".equalsIgnoreCase(action.strip());
        boolean deny = NEGATIVE.contains(action.strip().toLowerCase(Locale.ROOT));
        String title = deny ? "Denied ✗" : always ? "Approved ✓ (always)" : "Approved ✓";
        return CardResponse.toast(deny ? "warning" : "success", deny ? "Denied" : "Approved")
                .withCard(Cards.status(title, body.isBlank() ? " " : body, deny ? CardColor.RED : CardColor.GREEN));
    }

    /** The answer to the working card's Stop button. */
    public static CardResponse stopping() {
        return CardResponse.toast("warning", "Stopping...")
                .withCard(Cards.status(
                        "Stopping...", "Stop requested. Waiting for current tool to finish...", CardColor.ORANGE));
    }

    /** The answer to a click on a question by someone who may not talk to the agent in that chat. */
    public static CardResponse notAllowedToAnswer() {
        return CardResponse.toast("error", "Only the operator, coowners and guests of this handoff can answer");
    }

    /**
     * What a person typed, made inert in the bot's own card: markup ({@code <at id=all>}, links) is shown, not
     * obeyed.
     */
    public static String escape(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&#60;");
                case '>' -> sb.append("&#62;");
                case '[' -> sb.append("&#91;");
                case ']' -> sb.append("&#93;");
                case '*' -> sb.append("&#42;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The answer to a click by someone who may not decide; the card stays as it is. */
    public static CardResponse notAllowed(boolean stop) {
        return CardResponse.toast(
                "error", stop ? "Only the owner or coowners can stop" : "Only the operator or coowners can decide");
    }

    static String agentName(String tool, String model) {
        String t = tool == null || tool.isBlank() ? "agent" : tool;
        return model == null || model.isBlank() ? t : t + " (" + model + ")";
    }

    private static CardColor colorOf(String tool) {
        return AGENT_SDK.equals(tool) ? CardColor.BLUE : CardColor.GREEN;
    }

    static String textOf(JsonNode value, String field, String fallback) {
        JsonNode v = value == null ? null : value.get(field);
        return v != null && v.isString() && !v.stringValue().isBlank() ? v.stringValue() : fallback;
    }

    private static String truncate(String s, int max) {
        if (s == null) {
            return "";
        }
        return s.length() <= max ? s : s.substring(0, max);
    }
}
