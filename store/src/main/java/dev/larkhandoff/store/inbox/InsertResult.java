package dev.larkhandoff.store.inbox;

/** What storing an event did: {@code inserted} false means Lark sent it before and the earlier row stands. */
public record InsertResult(String dedupeKey, long seq, boolean inserted) {}
