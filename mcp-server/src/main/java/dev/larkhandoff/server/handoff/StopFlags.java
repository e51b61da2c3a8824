package dev.larkhandoff.server.handoff;

import dev.larkhandoff.store.SettingsRepository;
import java.time.Clock;
import java.time.Duration;

/**
 * The working card's Stop button, as a flag per chat: raised by the click, seen by the agent's next tool call
 * (and by the PreToolUse hook), cleared by the agent's next message. Kept in the store so a hook process and a
 * restarted daemon see it; it lapses after five minutes, so a forgotten flag cannot block an
 * agent for good.
 */
public final class StopFlags {

    static final Duration LIFETIME = Duration.ofMinutes(5);
    private static final String PREFIX = "handoff.stop:";

    private final SettingsRepository settings;
    private final Clock clock;

    public StopFlags(SettingsRepository settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    public void raise(String chatId) {
        settings.put(PREFIX + chatId, Long.toString(clock.millis()));
    }

    /** Whether Stop was pressed in the chat within the last five minutes and not yet cleared. */
    public boolean isRaised(String chatId) {
        return settings.get(PREFIX + chatId)
                .map(Long::parseLong)
                .filter(at -> clock.millis() - at < LIFETIME.toMillis())
                .isPresent();
    }

    public void clear(String chatId) {
        settings.remove(PREFIX + chatId);
    }
}
