package dev.larkhandoff.server.handoff;

import dev.larkhandoff.lark.card.CardColor;
import dev.larkhandoff.lark.card.Cards;
import dev.larkhandoff.lark.card.FormCard;
import dev.larkhandoff.lark.card.FormField;
import dev.larkhandoff.lark.card.MarkdownCard;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the agent asks to post, and the card that becomes, by these rules: two choices are buttons; three or
 * more a drop-down form (the choices also listed in the body, so they can be typed); an input box a form with
 * Submit and Cancel; several fields a form; a title alone a status card; else a markdown card.
 *
 * @param choices       answers to offer, or empty
 * @param input         the placeholder of a free-text box, or null
 * @param fields        form fields, or empty
 * @param mentionOpenId someone to @-mention, or null for the default (the operator where the bot must be mentioned)
 */
public record OutgoingCard(
        String text,
        String title,
        CardColor color,
        List<String> choices,
        String input,
        List<FormField> fields,
        String mentionOpenId) {

    static final String ANSWER_FIELD = "answer";
    static final String CHOICE_FIELD = "choice";

    public OutgoingCard {
        text = text == null ? "" : text;
        choices = choices == null ? List.of() : List.copyOf(choices);
        fields = fields == null ? List.of() : List.copyOf(fields);
        int kinds = (choices.isEmpty() ? 0 : 1) + (input == null ? 0 : 1) + (fields.isEmpty() ? 0 : 1);
        if (kinds > 1) {
            throw bad("give only one of choices, input and fields");
        }
        if (choices.size() == 1) {
            throw bad("one choice is no choice: give two or more, or none");
        }
        if (choices.stream().anyMatch(c -> c == null || c.isBlank())) {
            throw bad("choices must not be empty");
        }
        if (text.isBlank() && kinds == 0) {
            throw bad("message is required");
        }
    }

    /** A plain answer: a markdown card. */
    public static OutgoingCard message(String text) {
        return new OutgoingCard(text, null, null, List.of(), null, List.of(), null);
    }

    /** What the card is, as the sent-message record keeps it. */
    public String kind() {
        if (!choices.isEmpty() || input != null || !fields.isEmpty()) {
            return "question";
        }
        return title != null ? "status" : "message";
    }

    /** The card JSON for a chat, mentioning {@code mention} (null for nobody). */
    public ObjectNode toJson(String chatId, String mention) {
        String body = mention == null ? text : Cards.mention(mention) + " " + text;
        CardColor c = color == null ? CardColor.BLUE : color;
        if (!fields.isEmpty()) {
            return FormCard.of(titleOr("Please fill in"), body, fields)
                    .withColor(c)
                    .withChatId(chatId)
                    .withCancel("Cancel")
                    .toJson();
        }
        if (input != null) {
            return FormCard.of(titleOr("Please answer"), body, List.of(new FormField.Input(ANSWER_FIELD, input, false)))
                    .withColor(c)
                    .withChatId(chatId)
                    .withCancel("Cancel")
                    .toJson();
        }
        if (choices.size() == 2) {
            return HandoffCards.twoChoices(chatId, title, body, choices);
        }
        if (!choices.isEmpty()) {
            List<FormField.Option> options =
                    choices.stream().map(o -> new FormField.Option(o, o)).toList();
            return FormCard.of(
                            titleOr("Please choose"),
                            body,
                            List.of(new FormField.Select(CHOICE_FIELD, "Choice", options, null)))
                    .withColor(c)
                    .withChatId(chatId)
                    .withCancel("Cancel")
                    .toJson();
        }
        MarkdownCard card = MarkdownCard.of(text);
        if (title != null) {
            card = card.titled(title, c);
        }
        return (mention == null ? card : card.mentioning(mention)).toJson();
    }

    private String titleOr(String fallback) {
        return title == null || title.isBlank() ? fallback : title;
    }

    private static HandoffException bad(String message) {
        return new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, message);
    }
}
