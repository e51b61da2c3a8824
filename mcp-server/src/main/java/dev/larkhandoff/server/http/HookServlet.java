package dev.larkhandoff.server.http;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.hooks.HookHandler;
import dev.larkhandoff.server.hooks.Hooks;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /hooks/<Event>}: a Claude Code hook's JSON in, the daemon's answer out (an empty body when it has
 * nothing to say). The cheap path for hooks that fire on every tool call: the plugin's {@code lark-handoff-hook}
 * script posts here with curl instead of starting a JVM. Behind the same bearer token as the MCP endpoints.
 */
final class HookServlet extends HttpServlet {

    private static final Logger log = LoggerFactory.getLogger(HookServlet.class);
    static final String PATH = "/hooks/*";
    private static final Pattern EVENT = Pattern.compile("[A-Za-z]{1,64}");

    private final transient HookHandler hooks;

    HookServlet(HookHandler hooks) {
        this.hooks = hooks;
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse res) throws IOException {
        String event = req.getPathInfo() == null ? "" : req.getPathInfo().replaceFirst("^/", "");
        if (!EVENT.matcher(event).matches()) {
            res.sendError(404, "no such hook event: " + event);
            return;
        }
        JsonNode input;
        try {
            input = ServerJson.mapper()
                    .readTree(new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            res.sendError(400, "the body is not the hook's JSON: " + e.getOriginalMessage());
            return;
        }
        res.setContentType("application/json");
        res.setCharacterEncoding("UTF-8");
        try {
            var out = hooks.handle(
                    event,
                    input,
                    new Hooks.Caller(
                            header(req, "X-Lark-Handoff-Session-Id"), header(req, "X-Lark-Handoff-Project-Dir")));
            if (out.isPresent()) {
                res.getWriter().write(out.get().toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            res.sendError(503, "the daemon is shutting down");
        } catch (RuntimeException e) {
            log.warn("hook {} failed: {}", event, e.getMessage());
            res.sendError(500, e.getMessage());
        }
    }

    private static String header(HttpServletRequest req, String name) {
        String v = req.getHeader(name);
        return v == null || v.isBlank() ? null : v.strip();
    }
}
