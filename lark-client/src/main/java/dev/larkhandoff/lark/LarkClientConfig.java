package dev.larkhandoff.lark;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything a {@link LarkClient} needs: where Lark is, who the app is, and the limits it keeps.
 *
 * @param baseUrl             Open Platform base URL, see {@link LarkDomain#baseUrl(String)}
 * @param credentials         app id and secret
 * @param clock               the one clock (token expiry, rate buckets); injectable for tests
 * @param sendsPerSecondPerChat Lark's per-chat send limit (5)
 * @param callsPerSecondPerApp  Lark's per-app API limit (50)
 * @param maxRetryWait        longest single wait this client accepts (rate-limit reset, back-off)
 * @param maxRetries          retries of one call after 429 / 5xx before giving up
 * @param requestTimeout      response timeout of one HTTP exchange
 */
public record LarkClientConfig(
        String baseUrl,
        LarkCredentials credentials,
        Clock clock,
        int sendsPerSecondPerChat,
        int callsPerSecondPerApp,
        Duration maxRetryWait,
        int maxRetries,
        Duration requestTimeout) {

    public LarkClientConfig {
        baseUrl = LarkDomain.baseUrl(baseUrl);
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(maxRetryWait, "maxRetryWait");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (sendsPerSecondPerChat <= 0 || callsPerSecondPerApp <= 0) {
            throw new IllegalArgumentException("rate limits must be positive");
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0");
        }
    }

    /** Lark's documented limits and sensible waits, for the given domain setting and app. */
    public static LarkClientConfig of(String domain, String appId, String appSecret) {
        return new LarkClientConfig(
                domain,
                new LarkCredentials(appId, appSecret),
                Clock.systemUTC(),
                5,
                50,
                Duration.ofSeconds(30),
                3,
                Duration.ofSeconds(30));
    }

    public LarkClientConfig withClock(Clock newClock) {
        return new LarkClientConfig(
                baseUrl,
                credentials,
                newClock,
                sendsPerSecondPerChat,
                callsPerSecondPerApp,
                maxRetryWait,
                maxRetries,
                requestTimeout);
    }

    public LarkClientConfig withRateLimits(int perChat, int perApp) {
        return new LarkClientConfig(
                baseUrl, credentials, clock, perChat, perApp, maxRetryWait, maxRetries, requestTimeout);
    }

    public LarkClientConfig withRetries(int retries, Duration maxWait) {
        return new LarkClientConfig(
                baseUrl,
                credentials,
                clock,
                sendsPerSecondPerChat,
                callsPerSecondPerApp,
                maxWait,
                retries,
                requestTimeout);
    }
}
