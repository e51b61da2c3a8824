package dev.larkhandoff.server.ipc;

/** A peer on the daemon socket broke the framing (bad length, oversized frame, not JSON): that connection is closed. */
public final class IpcProtocolException extends RuntimeException {

    public IpcProtocolException(String message) {
        super(message);
    }

    public IpcProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
