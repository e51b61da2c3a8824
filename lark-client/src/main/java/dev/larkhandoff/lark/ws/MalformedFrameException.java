package dev.larkhandoff.lark.ws;

/** Bytes on the long connection that are not a valid frame, or a data frame missing what reassembly needs. */
public final class MalformedFrameException extends IllegalArgumentException {

    public MalformedFrameException(String message) {
        super(message);
    }

    public MalformedFrameException(String message, Throwable cause) {
        super(message, cause);
    }
}
