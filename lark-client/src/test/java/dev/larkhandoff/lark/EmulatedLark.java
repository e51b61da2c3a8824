package dev.larkhandoff.lark;

import dev.larkhandoff.emulator.EmulatorOptions;
import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.control.EmulatorControl;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh emulator and a client pointed at it for every test, over real loopback sockets.
 * Register with {@code @RegisterExtension}.
 */
public final class EmulatedLark implements BeforeEachCallback, AfterEachCallback {

    private final EmulatorOptions options;
    private final MutableClock clock = new MutableClock();
    private LarkEmulator emulator;
    private LarkClient client;

    public EmulatedLark() {
        this(EmulatorOptions.defaults());
    }

    public EmulatedLark(EmulatorOptions options) {
        this.options = options;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        emulator = LarkEmulator.start(options);
        client = LarkClient.create(config());
    }

    /** The configuration of {@link #client()}: the emulator's URL and app, short retry waits for tests. */
    public LarkClientConfig config() {
        return LarkClientConfig.of(
                        emulator.baseUrl(),
                        emulator.app().appId(),
                        emulator.app().appSecret())
                .withClock(clock)
                .withRetries(3, Duration.ofSeconds(5));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (client != null) {
            client.close();
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    public LarkEmulator emulator() {
        return emulator;
    }

    public EmulatorControl control() {
        return emulator.control();
    }

    public LarkClient client() {
        return client;
    }

    public MutableClock clock() {
        return clock;
    }
}
