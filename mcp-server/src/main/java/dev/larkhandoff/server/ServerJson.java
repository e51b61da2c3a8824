package dev.larkhandoff.server;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one JSON mapper of the program's own files and messages (daemon socket, config.json, access.json, tool
 * texts). Hand-edited files are read leniently: unknown fields ignored, a missing number reads as 0.
 */
public final class ServerJson {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private ServerJson() {}

    public static JsonMapper mapper() {
        return MAPPER;
    }
}
