package dev.larkhandoff.emulator.openapi;

import dev.larkhandoff.emulator.EmuJson;
import tools.jackson.databind.JsonNode;

/** What a route answers: {@code data} inside the envelope, a top-level envelope, or a binary body. */
public sealed interface ApiResult {

    /** {@code {"code":0,"msg":"success","data":…}}. */
    record Data(JsonNode data) implements ApiResult {}

    /** A whole top-level object (token and bot-info endpoints put their fields beside {@code code}). */
    record TopLevel(JsonNode root) implements ApiResult {}

    /** HTTP 200 with raw bytes, as resource downloads answer. */
    record Binary(byte[] bytes, String contentType, String fileName) implements ApiResult {}

    static ApiResult data(JsonNode data) {
        return new Data(data);
    }

    static ApiResult empty() {
        return new Data(EmuJson.object());
    }
}
