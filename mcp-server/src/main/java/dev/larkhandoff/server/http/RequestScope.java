package dev.larkhandoff.server.http;

/**
 * The HTTP request being served on this thread, as far as session start needs it. The SDK creates sessions
 * inside its servlet's request handling without passing the request on, so the identity travels beside it.
 */
final class RequestScope {

    private static final ThreadLocal<RequestScope> CURRENT = new ThreadLocal<>();

    private final HttpIdentity identity;
    private String sseSessionId;

    private RequestScope(HttpIdentity identity) {
        this.identity = identity;
    }

    static RequestScope enter(HttpIdentity identity) {
        RequestScope scope = new RequestScope(identity);
        CURRENT.set(scope);
        return scope;
    }

    static void exit() {
        CURRENT.remove();
    }

    /** The identity of the request on this thread, or null outside a request. */
    static HttpIdentity currentIdentity() {
        RequestScope scope = CURRENT.get();
        return scope == null ? null : scope.identity;
    }

    /** Notes that the request on this thread opened an SSE stream, which is that SSE session's life. */
    static void sseSessionStarted(String mcpSessionId) {
        RequestScope scope = CURRENT.get();
        if (scope != null) {
            scope.sseSessionId = mcpSessionId;
        }
    }

    /** The SSE session this request opened, or null. */
    String sseSessionId() {
        return sseSessionId;
    }
}
