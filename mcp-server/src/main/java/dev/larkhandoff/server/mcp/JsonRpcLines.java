package dev.larkhandoff.server.mcp;

import dev.larkhandoff.server.ServerJson;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks each line an MCP client sends before the SDK sees it: the SDK ends the whole session on a line it cannot
 * parse or map (e.g. an id that is no string or long), so a malformed line is answered here with a JSON-RPC error
 * and goes no further, and the session goes on.
 */
public final class JsonRpcLines {

    /** The SDK's own per-line bound. */
    public static final int MAX_LINE = 16 * 1024 * 1024;

    /** What a line turned out to be. */
    public sealed interface Checked {}

    /** A JSON-RPC 2.0 message, parsed. */
    public record Accepted(ObjectNode message) implements Checked {
        /** The method, or "" for a response. */
        public String method() {
            return message.path("method").asString("");
        }
    }

    /** No JSON-RPC message: {@code errorLine} is the error response to write back. */
    public record Refused(String errorLine, String problem) implements Checked {}

    private JsonRpcLines() {}

    /** Checks one line (without its newline). */
    public static Checked check(String line) {
        if (line.length() > MAX_LINE) {
            return refuse(
                    null,
                    -32600,
                    "Invalid Request: line of " + line.length() + " characters exceeds the limit of " + MAX_LINE);
        }
        JsonNode message;
        try {
            message = ServerJson.mapper().readTree(line);
        } catch (JacksonException e) {
            return refuse(null, -32700, "Parse error: " + e.getOriginalMessage());
        }
        String problem = problem(message);
        if (problem != null) {
            // A response's id names one of the server's own requests: echoing it could settle that request wrongly.
            JsonNode id = message.has("method") && validId(message.get("id")) ? message.get("id") : null;
            return refuse(id, -32600, "Invalid Request: " + problem);
        }
        return new Accepted((ObjectNode) message);
    }

    /** The JSON text of a request id, the form calls are keyed by ({@link McpSurface#REQUEST_KEY}). */
    public static String key(JsonNode id) {
        return id.toString();
    }

    /**
     * What makes a parsed line no JSON-RPC 2.0 message, or null when it is one.
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

    /** Whether the node is an id the SDK can map: a string, or an integer of at most 64 bits. */
    public static boolean validId(JsonNode id) {
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

    /** A JSON-RPC error response line. */
    public static String error(JsonNode id, int code, String message) {
        ObjectNode e = ServerJson.mapper().createObjectNode().put("jsonrpc", "2.0");
        if (id == null || !(id.isString() || id.isNumber())) {
            e.putNull("id");
        } else {
            e.set("id", id);
        }
        e.putObject("error").put("code", code).put("message", message);
        return e.toString();
    }

    private static Refused refuse(JsonNode id, int code, String message) {
        return new Refused(error(id, code, message), message);
    }
}
