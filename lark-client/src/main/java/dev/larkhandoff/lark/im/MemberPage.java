package dev.larkhandoff.lark.im;

import java.util.List;

/** One page of a chat's members plus {@code member_total}, the number of people in the whole chat. */
public record MemberPage(List<ChatMember> items, boolean hasMore, String pageToken, int memberTotal) {

    public MemberPage {
        items = items == null ? List.of() : List.copyOf(items);
    }

    /** The same page without the total, for {@link Pages#all}. */
    public Page<ChatMember> page() {
        return new Page<>(items, hasMore, pageToken);
    }
}
