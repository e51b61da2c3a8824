package dev.larkhandoff.server.http;

import java.time.Duration;

/**
 * What one request may cost the HTTP front. {@code maxBody} is the MCP SDK's own bound for {@code /mcp} (16 MiB),
 * now for every path; {@code slowBodies} stays well below Jetty's 200 threads; {@code idleTimeout} closes a
 * connection that sends nothing.
 */
record HttpLimits(int maxBody, int slowBodies, Duration bodyDeadline, Duration idleTimeout) {

    static final HttpLimits DEFAULT =
            new HttpLimits(16 * 1024 * 1024, 32, Duration.ofSeconds(30), Duration.ofSeconds(30));
}
