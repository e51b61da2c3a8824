package dev.larkhandoff.server.scenario;

import dev.larkhandoff.emulator.EmulatorOptions;
import dev.larkhandoff.server.world.TestWorld;
import java.time.Duration;

/**
 * The world every scenario runs in: the emulator as Lark, a home configured for its app, an operator Alice on the
 * allowlist, and a group where she talks to the bot without @-mentioning it; the proxies are child processes.
 */
final class Scenarios {

    private Scenarios() {}

    static TestWorld world() {
        return TestWorld.builder()
                .lark(EmulatorOptions.defaults().withPort(0).withAckTimeout(Duration.ofSeconds(1)))
                .operator("Alice", "alice@example.com")
                .group("scenario@test")
                .build();
    }
}
