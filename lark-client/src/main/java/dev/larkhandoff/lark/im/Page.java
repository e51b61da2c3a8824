package dev.larkhandoff.lark.im;

import java.util.List;

/** One page of a listing; pass {@code pageToken} back for the next while {@code hasMore}. */
public record Page<T>(List<T> items, boolean hasMore, String pageToken) {

    public Page {
        items = items == null ? List.of() : List.copyOf(items);
    }
}
