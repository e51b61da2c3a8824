package dev.larkhandoff.emulator.openapi;

import dev.larkhandoff.emulator.EmuJson;
import java.util.List;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Lark's pagination: {@code page_size}, an opaque {@code page_token}, {@code has_more}. */
final class Pages {

    private Pages() {}

    static <T> ApiResult of(List<T> all, ApiCall call, Function<T, JsonNode> view) {
        return ApiResult.data(page(all, call, view, "items"));
    }

    static <T> ObjectNode page(List<T> all, ApiCall call, Function<T, JsonNode> view, String itemsField) {
        int size = Math.max(1, Math.min(call.queryInt("page_size", 20), 100));
        int from = 0;
        String token = call.query("page_token");
        if (token != null && !token.isEmpty()) {
            try {
                from = Integer.parseInt(
                        new String(java.util.Base64.getUrlDecoder().decode(token)));
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("page_token is invalid");
            }
        }
        int to = Math.min(all.size(), from + size);
        ObjectNode data = EmuJson.object();
        ArrayNode items = data.putArray(itemsField);
        for (int i = from; i < to; i++) {
            items.add(view.apply(all.get(i)));
        }
        boolean more = to < all.size();
        data.put("has_more", more);
        data.put(
                "page_token",
                more
                        ? java.util.Base64.getUrlEncoder()
                                .withoutPadding()
                                .encodeToString(String.valueOf(to).getBytes())
                        : "");
        return data;
    }
}
