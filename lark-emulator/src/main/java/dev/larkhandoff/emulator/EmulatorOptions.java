package dev.larkhandoff.emulator;

import java.time.Duration;

/**
 * How an emulator behaves: where it listens, the long-connection config it hands to clients, how long it
 * waits for an ACK before redelivering, and its rate limits (0 = unlimited).
 *
 * @param pingIntervalSeconds      {@code PingInterval} in the endpoint's ClientConfig and pong payloads
 * @param reconnectIntervalSeconds {@code ReconnectInterval}
 * @param reconnectNonceSeconds    {@code ReconnectNonce}
 * @param reconnectCount           {@code ReconnectCount} (-1 = forever)
 * @param ackTimeout               an event not acknowledged within this is pushed again, as Lark does
 * @param tokenTtl                 lifetime of tenant access tokens ({@code expire})
 * @param sendsPerSecondPerChat    rate limit answered with HTTP 429 / 99991400; 0 disables it
 * @param callsPerSecondPerApp     rate limit over all authenticated calls; 0 disables it
 */
public record EmulatorOptions(
        String host,
        int port,
        int pingIntervalSeconds,
        int reconnectIntervalSeconds,
        int reconnectNonceSeconds,
        int reconnectCount,
        Duration ackTimeout,
        Duration tokenTtl,
        int sendsPerSecondPerChat,
        int callsPerSecondPerApp) {

    /** Loopback, an ephemeral port, short timers for tests, no rate limits. */
    public static EmulatorOptions defaults() {
        return new EmulatorOptions("127.0.0.1", 0, 30, 1, 1, -1, Duration.ofSeconds(3), Duration.ofHours(2), 0, 0);
    }

    public EmulatorOptions withPort(int newPort) {
        return new EmulatorOptions(
                host,
                newPort,
                pingIntervalSeconds,
                reconnectIntervalSeconds,
                reconnectNonceSeconds,
                reconnectCount,
                ackTimeout,
                tokenTtl,
                sendsPerSecondPerChat,
                callsPerSecondPerApp);
    }

    public EmulatorOptions withHost(String newHost) {
        return new EmulatorOptions(
                newHost,
                port,
                pingIntervalSeconds,
                reconnectIntervalSeconds,
                reconnectNonceSeconds,
                reconnectCount,
                ackTimeout,
                tokenTtl,
                sendsPerSecondPerChat,
                callsPerSecondPerApp);
    }

    public EmulatorOptions withPingInterval(int seconds) {
        return new EmulatorOptions(
                host,
                port,
                seconds,
                reconnectIntervalSeconds,
                reconnectNonceSeconds,
                reconnectCount,
                ackTimeout,
                tokenTtl,
                sendsPerSecondPerChat,
                callsPerSecondPerApp);
    }

    /** The reconnect part of the ClientConfig handed to clients. */
    public EmulatorOptions withReconnect(int count, int intervalSeconds, int nonceSeconds) {
        return new EmulatorOptions(
                host,
                port,
                pingIntervalSeconds,
                intervalSeconds,
                nonceSeconds,
                count,
                ackTimeout,
                tokenTtl,
                sendsPerSecondPerChat,
                callsPerSecondPerApp);
    }

    public EmulatorOptions withAckTimeout(Duration timeout) {
        return new EmulatorOptions(
                host,
                port,
                pingIntervalSeconds,
                reconnectIntervalSeconds,
                reconnectNonceSeconds,
                reconnectCount,
                timeout,
                tokenTtl,
                sendsPerSecondPerChat,
                callsPerSecondPerApp);
    }

    public EmulatorOptions withTokenTtl(Duration ttl) {
        return new EmulatorOptions(
                host,
                port,
                pingIntervalSeconds,
                reconnectIntervalSeconds,
                reconnectNonceSeconds,
                reconnectCount,
                ackTimeout,
                ttl,
                sendsPerSecondPerChat,
                callsPerSecondPerApp);
    }

    public EmulatorOptions withRateLimits(int perChat, int perApp) {
        return new EmulatorOptions(
                host,
                port,
                pingIntervalSeconds,
                reconnectIntervalSeconds,
                reconnectNonceSeconds,
                reconnectCount,
                ackTimeout,
                tokenTtl,
                perChat,
                perApp);
    }
}
