package dev.larkhandoff.server.http;

import static dev.larkhandoff.server.http.HttpFrontLevel.INITIALIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Only this machine's user, holding the token, gets in; web pages and rebinding tricks do not. */
class HttpFrontSecurityTest {

    @RegisterExtension
    final HttpFrontLevel daemon = HttpFrontLevel.started();

    @Test
    void given_no_token_then_every_endpoint_answers_401_with_a_bearer_challenge() throws Exception {
        for (String path : new String[] {HttpFront.MCP_PATH, HttpFront.SSE_PATH, HttpFront.MESSAGE_PATH, "/"}) {
            HttpResponse<String> response = daemon.send(daemon.request(path)
                    .header("Accept", "application/json, text/event-stream")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(INITIALIZE)));

            assertThat(response.statusCode()).as(path).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate"))
                    .as(path)
                    .hasValue("Bearer");
            assertThat(response.body()).as(path).contains("\"error\":\"unauthorized\"");
        }
        assertThat(daemon.send(daemon.request(HttpFront.SSE_PATH)
                                .header("Accept", "text/event-stream")
                                .GET())
                        .statusCode())
                .isEqualTo(401);
    }

    @Test
    void given_a_wrong_token_then_401_and_the_real_token_never_appears_in_the_answer() throws Exception {
        String token = daemon.token();
        String almost = token.substring(0, token.length() - 1) + (token.endsWith("A") ? "B" : "A");

        HttpResponse<String> wrong = daemon.send(daemon.request(HttpFront.MCP_PATH)
                .header("Authorization", "Bearer " + almost)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(INITIALIZE)));
        HttpResponse<String> otherScheme = daemon.send(daemon.request(HttpFront.MCP_PATH)
                .header("Authorization", "Basic " + token)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(INITIALIZE)));

        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(otherScheme.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).doesNotContain(token);
        assertThat(daemon.registry.live()).isEmpty();
    }

    @Test
    void given_the_right_token_then_a_plain_cli_request_without_origin_gets_in() throws Exception {
        HttpResponse<String> response = daemon.send(daemon.mcpPost(INITIALIZE, null));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Mcp-Session-Id")).isPresent();
    }

    @Test
    void given_a_local_origin_then_it_is_allowed() throws Exception {
        HttpResponse<String> localhost =
                daemon.send(daemon.mcpPost(INITIALIZE, null).header("Origin", "http://localhost:6274"));
        HttpResponse<String> loopback =
                daemon.send(daemon.mcpPost(INITIALIZE, null).header("Origin", "http://127.0.0.1:3000"));

        assertThat(localhost.statusCode()).isEqualTo(200);
        assertThat(loopback.statusCode()).isEqualTo(200);
    }

    @Test
    void given_a_foreign_origin_then_the_sdk_refuses_it_with_403_on_both_transports() throws Exception {
        HttpResponse<String> streamable =
                daemon.send(daemon.mcpPost(INITIALIZE, null).header("Origin", "http://evil.example"));
        HttpResponse<String> lookalike =
                daemon.send(daemon.mcpPost(INITIALIZE, null).header("Origin", "http://localhost.evil.example:80"));
        HttpResponse<String> sse = daemon.send(daemon.request(HttpFront.SSE_PATH)
                .header("Authorization", "Bearer " + daemon.token())
                .header("Accept", "text/event-stream")
                .header("Origin", "https://evil.example")
                .GET());

        assertThat(streamable.statusCode()).isEqualTo(403);
        assertThat(lookalike.statusCode()).isEqualTo(403);
        assertThat(sse.statusCode()).isEqualTo(403);
        assertThat(daemon.registry.live()).isEmpty();
    }

    @Test
    void given_a_foreign_host_header_then_the_sdk_refuses_it_with_421() throws Exception {
        // java.net.http will not send a Host of our choosing, so this one goes over a plain socket.
        String body = INITIALIZE;
        String request = "POST /mcp HTTP/1.1\r\n"
                + "Host: evil.example:" + daemon.front.port() + "\r\n"
                + "Authorization: Bearer " + daemon.token() + "\r\n"
                + "Content-Type: application/json\r\n"
                + "Accept: application/json, text/event-stream\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n"
                + "Connection: close\r\n\r\n" + body;

        assertThat(statusLine(request)).startsWith("HTTP/1.1 421");
        assertThat(statusLine(request.replace("evil.example", "localhost"))).startsWith("HTTP/1.1 200");
        assertThat(daemon.registry.live()).hasSize(1);
    }

    @Test
    void given_the_front_then_it_listens_on_loopback_only() throws Exception {
        assertThat(daemon.front.url()).isEqualTo("http://127.0.0.1:" + daemon.front.port());
        Optional<InetAddress> external = externalAddress();
        assumeTrue(external.isPresent(), "this machine has no non-loopback IPv4 address to try");

        // Had the front bound 0.0.0.0, this port would be taken on every address; loopback-only leaves it free.
        try (ServerSocket other = new ServerSocket()) {
            other.bind(new InetSocketAddress(external.get(), daemon.front.port()));
            assertThat(other.isBound()).isTrue();
        }
        try (Socket loopback = new Socket(InetAddress.getLoopbackAddress(), daemon.front.port())) {
            assertThat(loopback.isConnected()).isTrue();
        }
    }

    @Test
    void given_the_token_file_then_it_is_owner_only_and_the_same_token_after_a_restart() throws Exception {
        Path file = daemon.home.resolve(HttpToken.FILE_NAME);
        String first = daemon.token();

        daemon.front.close();
        daemon.front = HttpFront.start(daemon.home, 0, daemon.catalog, daemon.registry, () -> {}, "9.9.9");

        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(first).matches("[A-Za-z0-9_-]{43}");
        assertThat(daemon.token()).isEqualTo(first);
        assertThat(daemon.send(daemon.mcpPost(INITIALIZE, null)).statusCode()).isEqualTo(200);
        assertThat(Files.list(daemon.home).map(p -> p.getFileName().toString()))
                .noneMatch(n -> n.startsWith(".http-token"));
    }

    @Test
    void given_token_rotate_then_the_running_front_refuses_the_old_token_and_takes_the_new_one() throws Exception {
        String old = daemon.token();
        assertThat(daemon.send(daemon.mcpPost(INITIALIZE, null)).statusCode()).isEqualTo(200);

        Process rotate = new ProcessBuilder(dev.larkhandoff.server.world.ChildJvm.command(
                        "token", "rotate", "--home", daemon.home.toString()))
                .redirectErrorStream(true)
                .start();
        String said = new String(rotate.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(rotate.waitFor()).as(said).isZero();
        String fresh = daemon.token();

        assertThat(fresh).isNotEqualTo(old).matches("[A-Za-z0-9_-]{43}");
        assertThat(said).contains("wrote a new token").doesNotContain(fresh).doesNotContain(old);
        assertThat(Files.readString(daemon.home.resolve("hooks.curlrc"))).contains("Bearer " + fresh);
        assertThat(Files.getPosixFilePermissions(daemon.home.resolve(HttpToken.FILE_NAME)))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(daemon.home.resolve("hooks.curlrc")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(daemon.send(daemon.request(HttpFront.MCP_PATH)
                                .header("Authorization", "Bearer " + old)
                                .header("Content-Type", "application/json")
                                .header("Accept", "application/json, text/event-stream")
                                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(INITIALIZE)))
                        .statusCode())
                .isEqualTo(401);
        assertThat(daemon.send(daemon.mcpPost(INITIALIZE, null)).statusCode()).isEqualTo(200);
    }

    @Test
    void given_the_front_then_it_also_serves_on_an_owner_only_unix_socket_in_the_home() throws Exception {
        Path socket = daemon.home.resolve(HttpFront.SOCKET_FILE);

        assertThat(daemon.front.socket()).isEqualTo(socket.toAbsolutePath());
        assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        Process curl = new ProcessBuilder(
                        "curl",
                        "-sS",
                        "--unix-socket",
                        socket.toString(),
                        "-H",
                        "Authorization: Bearer " + daemon.token(),
                        "--data-binary",
                        "{}",
                        "http://localhost/hooks/PreToolUse")
                .redirectErrorStream(true)
                .start();
        assertThat(new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .contains("\"event\":\"PreToolUse\"");

        daemon.front.close();
        assertThat(socket).doesNotExist();
    }

    @Test
    void given_the_port_is_taken_when_a_second_front_starts_there_then_it_fails_to_bind_and_the_first_serves_on()
            throws Exception {
        assertThatThrownBy(() -> HttpFront.start(
                        daemon.home, daemon.front.port(), daemon.catalog, daemon.registry, () -> {}, "9.9.9"))
                .isInstanceOf(IOException.class)
                .hasRootCauseInstanceOf(BindException.class);

        assertThat(daemon.send(daemon.mcpPost(INITIALIZE, null)).statusCode()).isEqualTo(200);
    }

    private String statusLine(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", daemon.front.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != -1 && c != '\r'; c = in.read()) {
                line.append((char) c);
            }
            return line.toString();
        }
    }

    private static Optional<InetAddress> externalAddress() throws IOException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }
}
