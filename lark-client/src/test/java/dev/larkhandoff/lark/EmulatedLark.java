package dev.larkhandoff.lark;

import dev.larkhandoff.emulator.EmulatorOptions;
import dev.larkhandoff.testing.EmulatorExtension;
import dev.larkhandoff.testing.TestClock;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The client level over the emulator level: a fresh emulator and a client pointed at it for every test, over real
 * loopback sockets. Register with {@code @RegisterExtension}.
 */
public final class EmulatedLark extends EmulatorExtension {

    /** Follows real time so rate buckets refill; a test moves it on by hand for token expiry. */
    private final TestClock clock = TestClock.followingRealTime();

    private LarkClient client;

    public EmulatedLark() {
        super();
    }

    public EmulatedLark(EmulatorOptions options) {
        super(options);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        super.beforeEach(context);
        client = LarkClient.create(config());
    }

    /** The configuration of {@link #client()}: the emulator's URL and app, short retry waits for tests. */
    public LarkClientConfig config() {
        return LarkClientConfig.of(
                        emulator().baseUrl(),
                        emulator().app().appId(),
                        emulator().app().appSecret())
                .withClock(clock)
                .withRetries(3, Duration.ofSeconds(5));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (client != null) {
            client.close();
            client = null;
        }
        super.afterEach(context);
    }

    public LarkClient client() {
        return client;
    }

    public TestClock clock() {
        return clock;
    }
}
