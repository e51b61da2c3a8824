package dev.larkhandoff.emulator.openapi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Path-template routing for the Open Platform ({@code /open-apis/im/v1/messages/:message_id}). A literal
 * segment beats a parameter, so {@code /messages/merge_forward} wins over {@code /messages/:message_id}.
 */
public final class ApiRouter {

    /** One endpoint and how the gateway treats it. */
    public static final class Route {
        final String method;
        final String[] segments;
        final ApiHandler handler;
        boolean authenticated = true;
        Function<ApiCall, String> sendChat;

        Route(String method, String template, ApiHandler handler) {
            this.method = method;
            this.segments = template.split("/");
            this.handler = handler;
        }

        /** Reachable without a tenant token (the token endpoint, endpoint discovery). */
        public Route unauthenticated() {
            this.authenticated = false;
            return this;
        }

        /** Counts against the per-chat send limit of the chat this function names (null: none). */
        public Route sendsTo(Function<ApiCall, String> chatOfCall) {
            this.sendChat = chatOfCall;
            return this;
        }

        int literalCount() {
            int n = 0;
            for (String s : segments) {
                if (!s.startsWith(":")) {
                    n++;
                }
            }
            return n;
        }

        Map<String, String> match(String[] path) {
            if (path.length != segments.length) {
                return null;
            }
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < path.length; i++) {
                if (segments[i].startsWith(":")) {
                    if (path[i].isEmpty()) {
                        return null;
                    }
                    params.put(segments[i].substring(1), path[i]);
                } else if (!segments[i].equals(path[i])) {
                    return null;
                }
            }
            return params;
        }
    }

    /** A matched route with its path parameters. */
    public record Match(Route route, Map<String, String> params) {
        public ApiHandler handler() {
            return route.handler;
        }

        public boolean authenticated() {
            return route.authenticated;
        }

        public Function<ApiCall, String> sendChat() {
            return route.sendChat;
        }
    }

    private final List<Route> routes = new ArrayList<>();

    public Route get(String template, ApiHandler handler) {
        return add("GET", template, handler);
    }

    public Route post(String template, ApiHandler handler) {
        return add("POST", template, handler);
    }

    public Route put(String template, ApiHandler handler) {
        return add("PUT", template, handler);
    }

    public Route patch(String template, ApiHandler handler) {
        return add("PATCH", template, handler);
    }

    public Route delete(String template, ApiHandler handler) {
        return add("DELETE", template, handler);
    }

    private Route add(String method, String template, ApiHandler handler) {
        Route route = new Route(method, template, handler);
        routes.add(route);
        return route;
    }

    /** The most specific route for this method and decoded path. */
    public Optional<Match> match(String method, String path) {
        String[] parts = path.split("/");
        Match best = null;
        for (Route r : routes) {
            if (!r.method.equals(method)) {
                continue;
            }
            Map<String, String> params = r.match(parts);
            if (params != null && (best == null || r.literalCount() > best.route.literalCount())) {
                best = new Match(r, params);
            }
        }
        return Optional.ofNullable(best);
    }
}
