package dev.larkhandoff.server.http;

import static dev.larkhandoff.server.http.HttpFrontLevel.INITIALIZE;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/** What one client can cost the front: body size, slow bodies, and log lines for refused requests. */
class HttpFrontLimitsTest {

    private static final int MIB = 1024 * 1024;

    @RegisterExtension
    final HttpFrontLevel daemon = HttpFrontLevel.stopped();

    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() {
        sockets.forEach(s -> {
            try {
                s.close();
            } catch (IOException e) {
                // already closed by the server
            }
        });
    }

    /** What one POST sent before the bound: the daemon grew from 0.27 to 4.9 GB reading it. */
    private static final long STREAMED = 1536L * MIB;

    @Test
    void given_a_hook_body_streamed_past_the_mcp_bound_then_413_and_the_front_serves_on() throws Exception {
        daemon.start();
        // Chunked, with no length announced: the bound has to hold while the body streams in.
        InputStream endless = new InputStream() {
            private long sent;

            @Override
            public int read() {
                return sent++ < STREAMED ? ' ' : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (sent >= STREAMED) {
                    return -1;
                }
                java.util.Arrays.fill(b, off, off + len, (byte) ' ');
                sent += len;
                return len;
            }
        };

        HttpResponse<String> streamed = sendTolerantly(daemon.request("/hooks/PostToolUse")
                .header("Authorization", "Bearer " + daemon.token())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> endless)));
        HttpResponse<String> announced = daemon.send(daemon.request("/hooks/PostToolUse")
                .header("Authorization", "Bearer " + daemon.token())
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[HttpLimits.DEFAULT.maxBody() + 1])));

        assertThat(streamed.statusCode()).isEqualTo(413);
        assertThat(streamed.body()).contains("\"error\":\"too_large\"", "over the daemon's limit of 16777216 bytes");
        assertThat(announced.statusCode()).isEqualTo(413);
        HttpResponse<String> after = daemon.send(daemon.request("/hooks/PreToolUse")
                .header("Authorization", "Bearer " + daemon.token())
                .POST(HttpRequest.BodyPublishers.ofString("{\"tool_name\":\"Bash\"}")));
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.body()).contains("\"event\":\"PreToolUse\"");
    }

    @Test
    void given_more_trickling_bodies_than_the_cap_then_the_excess_gets_503_and_a_normal_request_still_succeeds()
            throws Exception {
        daemon.start(new HttpLimits(HttpLimits.DEFAULT.maxBody(), 4, Duration.ofMinutes(5), Duration.ofMinutes(5)));
        List<Socket> trickling = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Socket s = open();
            send(
                    s,
                    "POST /hooks/PreToolUse HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + daemon.token()
                            + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
            trickling.add(s);
        }

        long refused = trickling.stream()
                .filter(s -> statusLine(s, 2_000).startsWith("HTTP/1.1 503"))
                .count();
        HttpResponse<String> normal = daemon.send(daemon.mcpPost(INITIALIZE, null));
        HttpResponse<String> hook = daemon.send(daemon.request("/hooks/PreToolUse")
                .header("Authorization", "Bearer " + daemon.token())
                .POST(HttpRequest.BodyPublishers.ofString("{}")));

        assertThat(refused).as("all beyond the cap of 4 waiting bodies").isEqualTo(8);
        assertThat(normal.statusCode()).isEqualTo(200);
        assertThat(hook.statusCode()).isEqualTo(200);
        for (Socket s : trickling.subList(0, trickling.size())) {
            if (!s.isClosed()) {
                send(s, "\"a\":1}" + " ".repeat(994));
            }
        }
    }

    @Test
    void given_250_trickling_bodies_at_the_default_limits_then_a_normal_request_and_a_hook_still_succeed()
            throws Exception {
        daemon.start();
        List<Socket> trickling = new ArrayList<>();
        try {
            for (int i = 0; i < 250; i++) {
                Socket s = open();
                send(
                        s,
                        "POST /hooks/PreToolUse HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + daemon.token()
                                + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
                trickling.add(s);
            }

            HttpResponse<String> normal = daemon.send(daemon.mcpPost(INITIALIZE, null));
            HttpResponse<String> hook = daemon.send(daemon.request("/hooks/PreToolUse")
                    .header("Authorization", "Bearer " + daemon.token())
                    .POST(HttpRequest.BodyPublishers.ofString("{}")));

            assertThat(normal.statusCode()).isEqualTo(200);
            assertThat(hook.statusCode()).isEqualTo(200);
        } finally {
            for (Socket s : trickling) {
                s.close();
            }
        }
    }

    @Test
    void given_a_body_that_stops_arriving_then_408_within_the_deadline_and_its_slot_is_free_again() throws Exception {
        daemon.start(new HttpLimits(HttpLimits.DEFAULT.maxBody(), 1, Duration.ofSeconds(1), Duration.ofMinutes(5)));
        Socket stalled = open();
        send(
                stalled,
                "POST /hooks/PreToolUse HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + daemon.token()
                        + "\r\nContent-Length: 10\r\n\r\n{");

        assertThat(statusLine(stalled, 30_000)).startsWith("HTTP/1.1 408");
        Socket next = open();
        send(
                next,
                "POST /hooks/PreToolUse HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + daemon.token()
                        + "\r\nContent-Length: 10\r\n\r\n{");
        send(next, "\"a\":   1}");
        assertThat(statusLine(next, 30_000)).startsWith("HTTP/1.1 200");
    }

    @Test
    void given_a_flood_of_refused_requests_then_the_log_gets_a_bounded_number_of_lines() throws Exception {
        daemon.start();
        Logger logger = (Logger) LoggerFactory.getLogger(RefusalLog.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        logger.setLevel(Level.INFO);
        try {
            for (int i = 0; i < 300; i++) {
                daemon.send(daemon.request(HttpFront.MCP_PATH)
                        .header("Authorization", "Bearer wrong-" + i)
                        .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));
            }
        } finally {
            logger.detachAppender(lines);
        }

        assertThat(lines.list).hasSizeLessThanOrEqualTo(RefusalLog.PER_MINUTE + 2);
        assertThat(lines.list)
                .first()
                .extracting(ILoggingEvent::getFormattedMessage)
                .asString()
                .contains("refused POST /mcp: wrong bearer token");
        assertThat(lines.list)
                .extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.contains("counted, not logged one by one"))
                .noneMatch(m -> m.contains("wrong-"));
    }

    @Test
    void given_a_window_of_suppressed_refusals_then_the_next_window_sums_them_up_in_one_line() {
        java.util.concurrent.atomic.AtomicReference<java.time.Instant> now =
                new java.util.concurrent.atomic.AtomicReference<>(java.time.Instant.parse("2025-01-01T00:00:00Z"));
        java.time.Clock clock = new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return now.get();
            }
        };
        Logger logger = (Logger) LoggerFactory.getLogger("refusal-window-test");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        RefusalLog log = new RefusalLog(logger, clock, 3, Duration.ofMinutes(1));

        IntStream.range(0, 10).forEach(i -> log.refused("refused {}", i));
        now.set(now.get().plusSeconds(61));
        log.refused("refused {}", "later");

        assertThat(lines.list)
                .extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly(
                        "refused 0",
                        "refused 1",
                        "refused 2",
                        "more refusals within 60 s are counted, not logged one by one",
                        "refused 7 more requests in the previous 60 s without logging each",
                        "refused later");
    }

    private HttpResponse<String> sendTolerantly(HttpRequest.Builder request) throws Exception {
        return daemon.send(request);
    }

    private Socket open() throws IOException {
        Socket s = new Socket("127.0.0.1", daemon.front.port());
        sockets.add(s);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The response's status line, or "" when none came within the time. */
    private static String statusLine(Socket s, int millis) {
        try {
            s.setSoTimeout(millis);
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != -1 && c != '\r'; c = in.read()) {
                line.append((char) c);
            }
            return line.toString();
        } catch (IOException e) {
            return "";
        }
    }
}
