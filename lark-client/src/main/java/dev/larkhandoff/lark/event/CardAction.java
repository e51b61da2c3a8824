package dev.larkhandoff.lark.event;

import tools.jackson.databind.JsonNode;

/**
 * {@code card.action.trigger}: someone clicked a button, picked an option or submitted a form on a card.
 * Lark waits (3 s) for the answer, which travels back in the acknowledgement as a {@link CardResponse}.
 */
public record CardAction(
        EventHeader header, Operator operator, String token, Action action, String host, Context context, JsonNode raw)
        implements LarkEvent {

    /** The person who acted. */
    public record Operator(String openId, String userId, String unionId, String tenantKey) {}

    /**
     * What they did.
     *
     * @param value     the callback value the card put on the element
     * @param formValue field name to value, on form submit
     */
    public record Action(
            JsonNode value,
            String tag,
            String option,
            String name,
            JsonNode formValue,
            String inputValue,
            Boolean checked) {}

    /** Where: the card's message and chat. */
    public record Context(String openMessageId, String openChatId) {}
}
