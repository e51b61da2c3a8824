package dev.larkhandoff.server.handoff;

/** Why a stored event does not reach the agent; it stays in the inbox and the chat's history all the same. */
public enum FilterReason {
    /** Not a message, reaction or card action (the bot joining a chat, an unknown event type). */
    NOT_A_REPLY("not_a_reply"),
    /** The stored payload cannot be read. */
    UNREADABLE("unreadable"),
    /** The working card's Stop button: it raises the stop flag instead. */
    STOP_SIGNAL("stop_signal"),
    /** The bot's own message coming back. */
    OWN_MESSAGE("own_message"),
    /** From someone who is neither the operator nor a guest or coowner of the chat. */
    SENDER_NOT_ALLOWED("sender_not_allowed"),
    /** In a chat where the bot must be @-mentioned or replied to, a message that does neither. */
    NOT_ADDRESSED_TO_BOT("not_addressed_to_bot");

    private final String code;

    FilterReason(String code) {
        this.code = code;
    }

    /** A stable name, for the inbox's {@code filter_reason} and for logs. */
    public String code() {
        return code;
    }
}
