package dev.larkhandoff.server.proxy;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.mcp.McpSurface;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Stands between the client's stdin and the SDK: the SDK ends the whole session on a line it cannot parse, so
 * each line is checked here first; a malformed one is answered with a JSON-RPC error and goes no further. It
 * also notices the client's {@code notifications/initialized} (channel events wait for it) and stdin's end, and takes
 * Claude Code's channel permission requests out before the SDK, which drops notifications it does not know.
 */
final class StdinFilter implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(StdinFilter.class);

    /** What the filter tells its owner. */
    interface Listener {
        void initialized();

        void endOfInput();

        /** Claude Code asks for a tool approval over the channel (the SDK would drop this notification). */
        void permissionRequest(JsonNode params);

        /** The client cancelled the request with this id (JSON text); the SDK would not stop our call. */
        void cancelled(String requestKey);
    }

    private final InputStream in;
    private final OutputStream toSdk;
    private final LineAtomicOutput stdout;
    private final Listener listener;
    private final int maxLine;

    StdinFilter(InputStream in, OutputStream toSdk, LineAtomicOutput stdout, Listener listener, int maxLine) {
        this.in = in;
        this.toSdk = toSdk;
        this.stdout = stdout;
        this.listener = listener;
        this.maxLine = maxLine;
    }

    @Override
    public void run() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    handle(line);
                }
            }
        } catch (IOException e) {
            log.debug("stdin closed: {}", e.getMessage());
        } finally {
            try {
                toSdk.close();
            } catch (IOException ignored) {
                // the SDK side is gone already
            }
            listener.endOfInput();
        }
    }

    private void handle(String line) throws IOException {
        if (line.length() > maxLine) {
            reply(error(
                    null,
                    -32600,
                    "Invalid Request: line of " + line.length() + " characters exceeds the limit of " + maxLine));
            return;
        }
        JsonNode message;
        try {
            message = ServerJson.mapper().readTree(line);
        } catch (JacksonException e) {
            reply(error(null, -32700, "Parse error: " + e.getOriginalMessage()));
            return;
        }
        String problem = problem(message);
        if (problem != null) {
            // A response's id names one of the server's own requests: echoing it could settle that request wrongly.
            JsonNode id = message.has("method") && validId(message.get("id")) ? message.get("id") : null;
            reply(error(id, -32600, "Invalid Request: " + problem));
            return;
        }
        if (McpSurface.PERMISSION_REQUEST.equals(message.path("method").asString(""))) {
            listener.permissionRequest(message.path("params"));
            return;
        }
        String method = message.path("method").asString("");
        if ("notifications/cancelled".equals(method)) {
            JsonNode requestId = message.path("params").path("requestId");
            if (requestId.isString() || requestId.isNumber()) {
                listener.cancelled(requestId.toString());
            }
            return;
        }
        JsonNode id = message.get("id");
        if ("tools/call".equals(method) && id != null && message.path("params").isObject()) {
            // Stamped with its id, so the call can be cancelled and its response recognised when it is written.
            ObjectNode params = (ObjectNode) message.get("params");
            JsonNode meta = params.get("_meta");
            ObjectNode stamped = meta != null && meta.isObject() ? (ObjectNode) meta : params.putObject("_meta");
            stamped.put(McpSurface.REQUEST_KEY, id.toString());
            line = message.toString();
        }
        toSdk.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        toSdk.flush();
        if ("notifications/initialized".equals(message.path("method").asString(""))) {
            listener.initialized();
        }
    }

    /**
     * What makes a parsed line no JSON-RPC 2.0 message, or null when it is one. Checked here because the SDK ends
     * the whole session on a message it cannot map, e.g. an id that is no string or long.
     */
    private static String problem(JsonNode message) {
        if (!message.isObject()
                || !"2.0".equals(message.path("jsonrpc").asString(""))
                || !(message.has("method") || message.has("result") || message.has("error"))) {
            return "expected a JSON-RPC 2.0 object with a method, result or error";
        }
        JsonNode id = message.get("id");
        if (message.has("method")) {
            if (!message.get("method").isString()) {
                return "\"method\" must be a string, not " + kind(message.get("method"));
            }
            if (id != null && !validId(id)) {
                return badId(id);
            }
            JsonNode params = message.get("params");
            if (params != null && !params.isObject() && !params.isArray()) {
                return "\"params\" must be an object or an array, not " + kind(params);
            }
            return null;
        }
        if (id == null) {
            return "a response needs the \"id\" of the request it answers";
        }
        if (!validId(id)) {
            return badId(id);
        }
        if (message.has("result") == message.has("error")) {
            return "a response carries exactly one of \"result\" and \"error\"";
        }
        JsonNode error = message.get("error");
        if (error != null
                && !(error.isObject()
                        && error.path("code").isIntegralNumber()
                        && error.path("code").canConvertToInt()
                        && error.path("message").isString())) {
            return "\"error\" must be an object with an integer \"code\" and a string \"message\"";
        }
        return null;
    }

    private static boolean validId(JsonNode id) {
        return id != null && (id.isString() || id.isIntegralNumber() && id.canConvertToLong());
    }

    private static String badId(JsonNode id) {
        return "\"id\" must be a string or an integer of at most 64 bits, not " + kind(id);
    }

    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case NUMBER -> "the number " + node;
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case NULL -> "null";
            default -> "a " + node.getNodeType().name().toLowerCase();
        };
    }

    private void reply(ObjectNode error) throws IOException {
        log.warn("refused a stdin line: {}", error.path("error").path("message").asString());
        stdout.writeLine(error.toString());
    }

    private static ObjectNode error(JsonNode id, int code, String message) {
        ObjectNode e = ServerJson.mapper().createObjectNode().put("jsonrpc", "2.0");
        if (id == null || !(id.isString() || id.isNumber())) {
            e.putNull("id");
        } else {
            e.set("id", id);
        }
        e.putObject("error").put("code", code).put("message", message);
        return e;
    }
}
