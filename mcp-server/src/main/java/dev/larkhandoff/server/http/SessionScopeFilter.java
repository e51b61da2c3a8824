package dev.larkhandoff.server.http;

import dev.larkhandoff.server.ServerJson;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Runs each authorised request inside its {@link RequestScope}, refuses requests to sessions the daemon closed,
 * and watches each SSE stream it opened so the session goes offline the moment the stream ends.
 */
final class SessionScopeFilter implements Filter {

    private static final String MCP_SESSION_HEADER = "Mcp-Session-Id";

    private final HttpSessions sessions;

    SessionScopeFilter(HttpSessions sessions) {
        this.sessions = sessions;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        // DELETE still reaches the SDK so that a client can end a session the daemon closed.
        if (!"DELETE".equals(request.getMethod()) && sessions.closedByDaemon(request.getHeader(MCP_SESSION_HEADER))) {
            refuseClosed((HttpServletResponse) res);
            return;
        }
        RequestScope scope = RequestScope.enter(HttpIdentity.of(request));
        try {
            chain.doFilter(req, res);
        } finally {
            RequestScope.exit();
        }
        String sseSession = scope.sseSessionId();
        if (sseSession != null && request.isAsyncStarted()) {
            request.getAsyncContext().addListener(new StreamEnd(() -> sessions.ended(sseSession)));
        }
    }

    /** 404 is what the MCP spec tells a client to answer by starting a new session. */
    private static void refuseClosed(HttpServletResponse response) throws IOException {
        response.setStatus(HttpServletResponse.SC_NOT_FOUND);
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter()
                .write(ServerJson.mapper()
                        .createObjectNode()
                        .put("error", "session_closed")
                        .put("message", "this MCP session was closed by the lark-handoff daemon; start a new one")
                        .toString());
    }

    /** An SSE stream's end, however it comes: client gone, write failure, or the server closing it. */
    private record StreamEnd(Runnable onEnd) implements AsyncListener {
        @Override
        public void onComplete(AsyncEvent event) {
            onEnd.run();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            onEnd.run();
        }

        @Override
        public void onError(AsyncEvent event) {
            onEnd.run();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // the stream is not restarted
        }
    }
}
