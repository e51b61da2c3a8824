package dev.larkhandoff.lark.card;

import dev.larkhandoff.lark.LarkJson;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A schema 2.0 form card: a markdown body, then one {@code form} at the body root with the fields and a
 * submit button, then an optional cancel button. Build with {@link #of} and the {@code with…} methods.
 *
 * @param submitExtra keys merged into the submit button's callback value (over the defaults)
 * @param cancelLabel the cancel button's label, null for no cancel button
 * @param chatId      carried in the callback values so the answer can be routed to its chat
 */
public record FormCard(
        String title,
        CardColor color,
        String body,
        List<FormField> fields,
        String submitLabel,
        ObjectNode submitExtra,
        String cancelLabel,
        String chatId) {

    /** The {@code action} of the submit button's value. */
    public static final String SUBMIT_ACTION = "form_submit";
    /** The {@code action} of the cancel button's value; the callback reports it as the reply text. */
    public static final String CANCEL_ACTION = "__cancel__";
    /** Lark shows at most this much of the question again when the answer replaces the card. */
    static final int VALUE_BODY_LIMIT = 500;

    public FormCard {
        Cards.requireText(title, "title");
        body = body == null ? "" : body;
        fields = fields == null ? List.of() : List.copyOf(fields);
        Set<String> names = new HashSet<>(Set.of("submit"));
        for (FormField f : fields) {
            if (!names.add(f.name())) {
                throw new IllegalArgumentException("form field name used twice or reserved: " + f.name());
            }
        }
        submitLabel = submitLabel == null || submitLabel.isBlank() ? "Submit" : submitLabel;
        submitExtra = submitExtra == null ? null : submitExtra.deepCopy();
        chatId = chatId == null ? "" : chatId;
    }

    public static FormCard of(String title, String body, List<FormField> fields) {
        return new FormCard(title, CardColor.BLUE, body, fields, null, null, null, null);
    }

    public FormCard withColor(CardColor newColor) {
        return new FormCard(title, newColor, body, fields, submitLabel, submitExtra, cancelLabel, chatId);
    }

    public FormCard withSubmit(String label, ObjectNode extraValue) {
        return new FormCard(title, color, body, fields, label, extraValue, cancelLabel, chatId);
    }

    public FormCard withCancel(String label) {
        return new FormCard(
                title, color, body, fields, submitLabel, submitExtra, Cards.requireText(label, "cancel label"), chatId);
    }

    public FormCard withChatId(String newChatId) {
        return new FormCard(title, color, body, fields, submitLabel, submitExtra, cancelLabel, newChatId);
    }

    @Override
    public ObjectNode submitExtra() {
        return submitExtra == null ? null : submitExtra.deepCopy();
    }

    public ObjectNode toJson() {
        ArrayNode elements = LarkJson.mapper().createArrayNode();
        String text = bodyWithChoices();
        if (!text.isBlank()) {
            elements.add(Cards.markdownElement(text));
        }
        // Lark allows a form only at the body root, and no form inside it.
        ObjectNode form = elements.addObject().put("tag", "form").put("name", "form");
        ArrayNode inner = form.putArray("elements");
        fields.stream().sorted(Comparator.comparingInt(FormCard::rank)).forEach(f -> inner.add(f.toElement()));
        inner.add(submitButton());
        if (cancelLabel != null) {
            Button cancel = new Button(
                    cancelLabel,
                    ButtonStyle.DEFAULT,
                    LarkJson.object().put("action", CANCEL_ACTION).put("chat_id", chatId));
            elements.add(Cards.buttonElement(cancel));
        }
        return Cards.card(Cards.header(title, color), elements);
    }

    /**
     * The body plus each drop-down's choices: when Card V2 is down the fallback card and text keep only
     * markdown, and people can still answer by typing one of the choices.
     */
    String bodyWithChoices() {
        List<String> parts = new ArrayList<>();
        if (!body.isBlank()) {
            parts.add(body);
        }
        for (FormField f : fields) {
            if (f instanceof FormField.Select s) {
                parts.add("**" + s.label() + ":** "
                        + s.options().stream().map(FormField.Option::label).collect(Collectors.joining(" · ")));
            }
        }
        return String.join("\n\n", parts);
    }

    private ObjectNode submitButton() {
        ObjectNode value = LarkJson.object()
                .put("action", SUBMIT_ACTION)
                .put("chat_id", chatId)
                .put("title", title)
                .put("body", Cards.truncate(body, VALUE_BODY_LIMIT));
        if (submitExtra != null) {
            value.setAll(submitExtra);
        }
        ObjectNode button = Cards.buttonElement(new Button(submitLabel, ButtonStyle.PRIMARY, value));
        button.put("name", "submit").put("form_action_type", "submit");
        return button;
    }

    /** Lark lays a form out in order; drop-downs first, then checkboxes, then text boxes reads best. */
    private static int rank(FormField f) {
        if (f instanceof FormField.Select) {
            return 0;
        }
        return f instanceof FormField.Checker ? 1 : 2;
    }
}
