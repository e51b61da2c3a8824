package dev.larkhandoff.server.http;

import dev.larkhandoff.server.ServerJson;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Lets through only requests that carry {@code Authorization: Bearer <the daemon's token>}; the rest get 401. */
final class BearerFilter implements Filter {

    private static final String SCHEME = "Bearer ";

    private final HttpToken token;
    private final RefusalLog refusals;

    BearerFilter(HttpToken token, RefusalLog refusals) {
        this.token = token;
        this.refusals = refusals;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        if (token.matches(presented(request.getHeader("Authorization")))) {
            chain.doFilter(req, res);
            return;
        }
        // The header's value is the secret or a guess at it: log only that it was missing or wrong.
        refusals.refused(
                "refused {} {}: {} bearer token",
                request.getMethod(),
                request.getRequestURI(),
                request.getHeader("Authorization") == null ? "no" : "wrong");
        HttpServletResponse response = (HttpServletResponse) res;
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        response.setHeader("WWW-Authenticate", "Bearer");
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter()
                .write(ServerJson.mapper()
                        .createObjectNode()
                        .put("error", "unauthorized")
                        .put("message", "send Authorization: Bearer <token from http.token in the lark-handoff home>")
                        .toString());
    }

    private static String presented(String header) {
        if (header == null || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return null;
        }
        return header.substring(SCHEME.length()).strip();
    }
}
