package dev.larkhandoff.emulator.openapi;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.model.EmuApp;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** One authenticated Open Platform request as a route sees it. */
public record ApiCall(
        EmuApp app,
        String method,
        String path,
        Map<String, String> pathParams,
        Map<String, List<String>> query,
        JsonNode body,
        Map<String, FormField> form) {

    public String param(String name) {
        return pathParams.get(name);
    }

    /** First value of a query parameter, or null. */
    public String query(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public int queryInt(String name, int fallback) {
        String v = query(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw ApiError.badRequest(name + " must be an integer, got '" + v + "'");
        }
    }

    /** The JSON body, or a 400 naming the problem when there is none. */
    public JsonNode requireBody() {
        if (body == null || !body.isObject()) {
            throw ApiError.badRequest("request body must be a JSON object");
        }
        return body;
    }

    /** A required string field of the body. */
    public String requireText(String field) {
        String v = EmuJson.text(requireBody(), field);
        if (v == null || v.isEmpty()) {
            throw ApiError.badRequest(field + " is required");
        }
        return v;
    }

    public String requireQuery(String name) {
        String v = query(name);
        if (v == null || v.isEmpty()) {
            throw ApiError.badRequest(name + " is required");
        }
        return v;
    }
}
