package dev.larkhandoff.lark.event;

/** An event payload that cannot be read (not JSON, no header, a required field missing); the message names what. */
public final class MalformedEventException extends IllegalArgumentException {

    public MalformedEventException(String message) {
        super(message);
    }

    public MalformedEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
