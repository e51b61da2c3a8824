package dev.larkhandoff.lark.im;

import dev.larkhandoff.lark.LarkJson;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/** Reads Lark's paged answers ({@code items}, {@code has_more}, {@code page_token}) and walks all pages. */
public final class Pages {

    /** Stops a server that always says {@code has_more} from looping forever. */
    static final int MAX_PAGES = 1000;

    private Pages() {}

    public static <T> Page<T> read(JsonNode data, String itemsField, Class<T> type) {
        List<T> items = new ArrayList<>();
        for (JsonNode item : data.path(itemsField)) {
            items.add(LarkJson.convert(item, type));
        }
        String token = data.path("page_token").asString("");
        return new Page<>(items, data.path("has_more").asBoolean(false), token.isEmpty() ? null : token);
    }

    /** Every item of every page, fetched one page after another. */
    public static <T> Flux<T> all(Function<String, Mono<Page<T>>> fetchPage) {
        return fetchPage
                .apply(null)
                .expand(page ->
                        page.hasMore() && page.pageToken() != null ? fetchPage.apply(page.pageToken()) : Mono.empty())
                .take(MAX_PAGES)
                .concatMapIterable(Page::items);
    }
}
