package dev.larkhandoff.emulator.model;

/** A self-built app registered in the emulator, with its bot's identity. */
public record EmuApp(
        String appId, String appSecret, String name, String botOpenId, String tenantKey, String verificationToken) {

    @Override
    public String toString() {
        return "EmuApp[" + appId + ", " + name + "]";
    }
}
