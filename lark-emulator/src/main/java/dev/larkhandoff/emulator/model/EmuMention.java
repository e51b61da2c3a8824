package dev.larkhandoff.emulator.model;

/** An @-mention inside a message: the {@code @_user_N} key and who it names. */
public record EmuMention(String key, String openId, String unionId, String userId, String name, String tenantKey) {}
