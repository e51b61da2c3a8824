package dev.larkhandoff.lark.event;

/** A person's three ids as events carry them. */
public record UserId(String openId, String unionId, String userId) {}
