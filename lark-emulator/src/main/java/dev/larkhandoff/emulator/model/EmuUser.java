package dev.larkhandoff.emulator.model;

/** A person in the emulated tenant. */
public record EmuUser(
        String openId, String unionId, String userId, String name, String email, String mobile, String tenantKey) {}
