package dev.larkhandoff.server.doctor;

/**
 * One thing the doctor looked at: how it stands, what it saw, and what to do about it.
 *
 * @param fix the one action that fixes it; empty when it is fine
 */
public record Finding(String check, Level level, String message, String fix) {

    /** How bad it is; the report lists errors first. */
    public enum Level {
        ERROR,
        WARNING,
        OK;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static Finding ok(String check, String message) {
        return new Finding(check, Level.OK, message, "");
    }

    public static Finding warning(String check, String message, String fix) {
        return new Finding(check, Level.WARNING, message, fix);
    }

    public static Finding error(String check, String message, String fix) {
        return new Finding(check, Level.ERROR, message, fix);
    }
}
