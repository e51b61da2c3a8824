package dev.larkhandoff.lark.im;

/** A person in a chat, as the member listing shows them (bots are never listed). */
public record ChatMember(String memberIdType, String memberId, String name, String tenantKey) {}
