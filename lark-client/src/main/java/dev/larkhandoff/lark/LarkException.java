package dev.larkhandoff.lark;

/**
 * The one error type of the Lark client: a non-zero Lark {@code code}, a transport failure or a
 * refused long-connection handshake. Never carries credentials or tokens.
 */
public class LarkException extends RuntimeException {

    /** {@link #code()} of failures that never reached Lark's envelope (I/O, timeouts, non-JSON answers). */
    public static final int TRANSPORT = -1;
    /** {@link #code()} of limits this client enforces itself (rate-limit wait too long, download too large). */
    public static final int CLIENT_LIMIT = -2;
    /** {@link #code()} of a spare call this client dropped rather than queue it (its budget was spent). */
    public static final int DROPPED = -3;

    private final int code;
    private final String larkMsg;
    private final String logId;
    private final int httpStatus;

    public LarkException(int code, String larkMsg, String logId, int httpStatus, String context) {
        this(code, larkMsg, logId, httpStatus, context, null);
    }

    public LarkException(int code, String larkMsg, String logId, int httpStatus, String context, Throwable cause) {
        super(describe(code, larkMsg, logId, httpStatus, context), cause);
        this.code = code;
        this.larkMsg = larkMsg == null ? "" : larkMsg;
        this.logId = logId;
        this.httpStatus = httpStatus;
    }

    public static LarkException transport(String context, Throwable cause) {
        String why = cause == null
                ? "unknown"
                : cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        return new LarkException(TRANSPORT, why, null, 0, context, cause);
    }

    public static LarkException clientLimit(String what, String context) {
        return new LarkException(CLIENT_LIMIT, what, null, 0, context);
    }

    public static LarkException dropped(String why, String context) {
        return new LarkException(DROPPED, why, null, 0, context);
    }

    private static String describe(int code, String msg, String logId, int status, String context) {
        StringBuilder sb = new StringBuilder();
        if (code == TRANSPORT) {
            sb.append("Lark transport failure");
        } else if (code == CLIENT_LIMIT) {
            sb.append("Lark client limit");
        } else if (code == DROPPED) {
            sb.append("Lark call dropped");
        } else {
            sb.append("Lark error ").append(code);
        }
        if (msg != null && !msg.isEmpty()) {
            sb.append(": ").append(msg);
        }
        if (context != null) {
            sb.append(" (").append(context);
            if (status > 0) {
                sb.append(", HTTP ").append(status);
            }
            if (logId != null && !logId.isEmpty()) {
                sb.append(", log_id ").append(logId);
            }
            sb.append(')');
        }
        return sb.toString();
    }

    /** Lark's {@code code}, or {@link #TRANSPORT} / {@link #CLIENT_LIMIT}. */
    public int code() {
        return code;
    }

    /** Lark's {@code msg}, or a short description for transport and client-limit failures. */
    public String larkMsg() {
        return larkMsg;
    }

    /** Lark's request log id ({@code X-Tt-Logid} or {@code error.log_id}), null when unknown. */
    public String logId() {
        return logId;
    }

    /** The HTTP status of the answer, 0 when there was none. */
    public int httpStatus() {
        return httpStatus;
    }
}
