package dev.larkhandoff.lark.card;

import dev.larkhandoff.lark.LarkJson;
import java.time.Duration;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The grey card that shows an agent is busy: a title that grows more emphatic the longer the turn runs,
 * a one-line summary of the latest tool call, and a Stop button. It is meant to be PATCHed in place.
 *
 * <p>The Stop button's value names only the action and the chat: who may press it is decided by whoever handles
 * the callback, from what it knows, never from the card (a click carries the value back and can be forged).
 *
 * @param stoppable false for a card without the Stop button
 */
public record WorkingCard(String summary, String chatId, boolean stoppable) {

    /** The {@code action} of the Stop button's value. */
    public static final String STOP_ACTION = "__stop__";
    /** Long tool output would turn the card into a wall of text; one line is the point of this card. */
    static final int SUMMARY_LIMIT = 200;

    private static final long[] THRESHOLDS = {0, 20, 40, 60, 90, 120, 180, 240, 300, 420, 600, 900};
    private static final String[] TITLES = {
        "Working...",
        "Working hard...",
        "Working really hard...",
        "Working super hard...",
        "Working incredibly hard...",
        "Working unreasonably hard...",
        "Working absurdly hard...",
        "Working impossibly hard...",
        "Working ridiculously hard...",
        "Working cosmically hard...",
        "Working transcendently hard...",
        "Working beyond comprehension...",
    };

    public WorkingCard {
        summary = summary == null ? "" : summary;
        chatId = chatId == null ? "" : chatId;
    }

    public static WorkingCard of(String summary, String chatId) {
        return new WorkingCard(summary, chatId, true);
    }

    public WorkingCard withoutStop() {
        return new WorkingCard(summary, chatId, false);
    }

    /** The title for a turn that has run this long (negative durations count as zero). */
    public static String title(Duration elapsed) {
        long seconds = Math.max(0, elapsed.toSeconds());
        int i = THRESHOLDS.length - 1;
        while (seconds < THRESHOLDS[i]) {
            i--;
        }
        return TITLES[i];
    }

    public ObjectNode toJson(Duration elapsed) {
        ArrayNode elements = LarkJson.mapper().createArrayNode().add(Cards.markdownElement(oneLine(summary)));
        if (stoppable) {
            ObjectNode value = LarkJson.object().put("action", STOP_ACTION).put("chat_id", chatId);
            elements.add(Cards.buttonElement(new Button("Stop", ButtonStyle.DEFAULT, value)));
        }
        return Cards.card(Cards.header(title(elapsed), CardColor.GREY), elements);
    }

    static String oneLine(String text) {
        String line = text.strip().replaceAll("\\s*\\R\\s*", " ");
        return line.length() > SUMMARY_LIMIT ? Cards.truncate(line, SUMMARY_LIMIT - 1) + "…" : line;
    }
}
