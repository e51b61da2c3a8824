package dev.larkhandoff.emulator.openapi;

/**
 * An error answered the way Lark answers it: an HTTP status and a JSON envelope with a non-zero code.
 * The constants are the codes the platform documents for these cases.
 */
public final class ApiError extends RuntimeException {

    public static final int MISSING_TOKEN = 99991661;
    public static final int INVALID_TOKEN = 99991663;
    public static final int RATE_LIMITED = 99991400;
    public static final int INVALID_PARAM = 10003;
    public static final int FIELD_VALIDATION = 99992402;
    public static final int MESSAGE_FORMAT = 230001;
    public static final int BOT_NOT_IN_CHAT = 230002;
    public static final int MESSAGE_NOT_FOUND = 230011;
    public static final int CARD_CONTENT = 230099;
    public static final int CHAT_NOT_FOUND = 232011;
    public static final int RESOURCE_NOT_DOWNLOADABLE = 234043;
    public static final int RESOURCE_NOT_FOUND = 234003;
    public static final int INTERNAL = 1000040343;

    private final int httpStatus;
    private final int code;
    private Integer rateLimit;
    private Long resetSeconds;

    public ApiError(int httpStatus, int code, String msg) {
        super(msg, null, false, false);
        this.httpStatus = httpStatus;
        this.code = code;
    }

    public static ApiError badRequest(String what) {
        return new ApiError(400, FIELD_VALIDATION, "field validation failed: " + what);
    }

    public static ApiError notFound(int code, String what) {
        return new ApiError(400, code, what);
    }

    /** Adds the gateway's {@code x-ogw-ratelimit-limit} / {@code x-ogw-ratelimit-reset} headers. */
    public ApiError withRateLimitHeaders(int limit, long secondsUntilReset) {
        this.rateLimit = limit;
        this.resetSeconds = secondsUntilReset;
        return this;
    }

    public Integer rateLimit() {
        return rateLimit;
    }

    public Long resetSeconds() {
        return resetSeconds;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public int code() {
        return code;
    }
}
