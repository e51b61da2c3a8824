package dev.larkhandoff.lark.ws;

import dev.larkhandoff.lark.LarkException;

/**
 * Lark refused the WebSocket upgrade: {@code Handshake-Status}, {@code Handshake-Msg} and
 * {@code Handshake-Autherrcode} as it sent them. {@link #retryable()} follows the official SDKs: 403, and 514
 * with auth error 1000040350 (too many connections), are final; anything else is worth another try.
 */
public final class HandshakeRejectedException extends LarkException {

    public static final int EXCEEDS_CONNECTION_LIMIT = 1000040350;

    private final int handshakeStatus;
    private final String handshakeMsg;
    private final int authErrCode;

    public HandshakeRejectedException(int httpStatus, int handshakeStatus, String handshakeMsg, int authErrCode) {
        super(
                handshakeStatus,
                handshakeMsg,
                null,
                httpStatus,
                "long connection handshake refused" + (authErrCode != 0 ? ", auth error " + authErrCode : ""));
        this.handshakeStatus = handshakeStatus;
        this.handshakeMsg = handshakeMsg;
        this.authErrCode = authErrCode;
    }

    public int handshakeStatus() {
        return handshakeStatus;
    }

    public String handshakeMsg() {
        return handshakeMsg;
    }

    public int authErrCode() {
        return authErrCode;
    }

    public boolean retryable() {
        if (handshakeStatus == 403) {
            return false;
        }
        return !(handshakeStatus == 514 && authErrCode == EXCEEDS_CONNECTION_LIMIT);
    }
}
