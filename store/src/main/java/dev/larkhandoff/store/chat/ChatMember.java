package dev.larkhandoff.store.chat;

/** A guest or coowner of a chat. */
public record ChatMember(String chatId, String openId, String name, MemberRole role, long addedAt) {}
