package dev.larkhandoff.lark.webhook;

import dev.larkhandoff.lark.LarkException;
import java.util.Objects;

/**
 * A webhook request this app refuses: not from Lark, tampered with, or not decodable. The message names the
 * problem and never a secret. Answer every one the same way (for example HTTP 401 with no body), so that a
 * caller probing the endpoint learns nothing from the difference.
 */
public final class WebhookException extends LarkException {

    /** {@link #code()} of every webhook rejection; it never came from Lark's envelope. */
    public static final int REJECTED = -3;

    /** What was wrong with the request. */
    public enum Reason {
        /** The body (or the decrypted body) is not a JSON object. */
        MALFORMED_JSON,
        /** The body is encrypted but this app has no encrypt key, or the reverse. */
        ENCRYPTION_MISMATCH,
        /** {@code encrypt} is not base64 or not a whole number of AES blocks after the IV. */
        MALFORMED_CIPHERTEXT,
        /** The decrypted bytes do not end in valid PKCS#7 padding: wrong key or tampered ciphertext. */
        BAD_PADDING,
        /** A signature header is missing. */
        MISSING_SIGNATURE,
        /** The signature does not match the body. */
        BAD_SIGNATURE,
        /** The verification token in the body is missing or wrong. */
        BAD_TOKEN
    }

    private final Reason reason;
    private final String detail;

    public WebhookException(Reason reason, String detail) {
        this(reason, detail, null);
    }

    public WebhookException(Reason reason, String detail, Throwable cause) {
        super(REJECTED, detail, null, 0, "webhook", cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.detail = detail;
    }

    public Reason reason() {
        return reason;
    }

    @Override
    public String getMessage() {
        return "Lark webhook rejected (" + reason + "): " + detail;
    }
}
