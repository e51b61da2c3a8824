package dev.larkhandoff.emulator.model;

/** Who sent a message: a user ({@code open_id}) or an app ({@code app_id}). */
public record EmuSender(String id, String idType, String senderType, String tenantKey) {

    public static EmuSender user(EmuUser user) {
        return new EmuSender(user.openId(), "open_id", "user", user.tenantKey());
    }

    public static EmuSender app(EmuApp app) {
        return new EmuSender(app.appId(), "app_id", "app", app.tenantKey());
    }

    public boolean isApp() {
        return "app".equals(senderType);
    }
}
