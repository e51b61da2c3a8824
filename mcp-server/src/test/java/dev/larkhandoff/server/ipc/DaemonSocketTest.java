package dev.larkhandoff.server.ipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.testing.Eventually;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.JsonNodeFactory;

/** The daemon socket over a real Unix domain socket: framing, isolation of bad peers, close notification. */
class DaemonSocketTest {

    @TempDir
    Path tmp;

    private Path home;
    private DaemonSocket socket;
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final List<String> closedPeers = new CopyOnWriteArrayList<>();

    @BeforeEach
    void bind() throws IOException {
        home = tmp.resolve("home");
        socket = DaemonSocket.bind(home, 1024);
        socket.acceptInBackground(
                c -> c.start(m -> received.add(c.name() + ":" + m.type()), closed -> closedPeers.add(closed.name())));
    }

    @AfterEach
    void close() {
        socket.close();
    }

    private SocketChannel raw() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(home.resolve("daemon.sock")));
        return ch;
    }

    private static void write(SocketChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static byte[] frame(String json) {
        ByteBuffer b = FrameDecoder.encode(json.getBytes(StandardCharsets.UTF_8), 1024);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void given_a_new_home_then_only_the_owner_can_reach_the_socket() throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home)))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("daemon.sock"))))
                .isEqualTo("rw-------");
    }

    @Test
    void given_a_live_daemon_then_a_second_bind_fails_and_a_stale_socket_file_is_replaced() throws IOException {
        assertThatThrownBy(() -> DaemonSocket.bind(home, 1024)).hasMessageContaining("another daemon is listening");

        socket.close();
        Files.createFile(home.resolve("daemon.sock"));
        socket = DaemonSocket.bind(home, 1024);
        assertThat(DaemonSocket.answers(home.resolve("daemon.sock"))).isTrue();
    }

    @Test
    void given_a_client_then_messages_flow_both_ways_in_order() throws Exception {
        BlockingQueue<IpcMessage> replies = new LinkedBlockingQueue<>();
        socket.close();
        socket = DaemonSocket.bind(home, 1024);
        socket.acceptInBackground(c -> c.start(
                m -> c.send(new IpcMessage.Unknown(
                        "echo", JsonNodeFactory.instance.objectNode().put("of", m.type()))),
                x -> {}));
        try (IpcConnection client = DaemonSocket.connect(home, "client", 1024).start(replies::add, x -> {})) {
            for (int i = 0; i < 100; i++) {
                client.send(IpcMessage.Unknown.of("m" + i));
            }
            for (int i = 0; i < 100; i++) {
                assertThat(((IpcMessage.Unknown) replies.poll(5, TimeUnit.SECONDS))
                                .fields()
                                .path("of")
                                .asString())
                        .isEqualTo("m" + i);
            }
        }
    }

    @Test
    void given_frames_split_and_coalesced_on_the_wire_then_the_daemon_reads_every_message() throws Exception {
        try (SocketChannel ch = raw()) {
            byte[] a = frame("{\"type\":\"hello\"}");
            byte[] b = frame("{\"type\":\"register\"}");
            byte[] both = new byte[a.length + b.length];
            System.arraycopy(a, 0, both, 0, a.length);
            System.arraycopy(b, 0, both, a.length, b.length);
            write(ch, java.util.Arrays.copyOfRange(both, 0, 3));
            Thread.sleep(50);
            write(ch, java.util.Arrays.copyOfRange(both, 3, both.length));

            assertThat(received.poll(5, TimeUnit.SECONDS)).endsWith(":hello");
            assertThat(received.poll(5, TimeUnit.SECONDS)).endsWith(":register");
        }
    }

    @Test
    void given_one_peer_sends_garbage_then_only_that_connection_closes() throws Exception {
        try (SocketChannel good = raw();
                SocketChannel bad = raw();
                SocketChannel huge = raw()) {
            write(good, frame("{\"type\":\"hello\"}"));
            String goodName = received.poll(5, TimeUnit.SECONDS).split(":")[0];
            write(bad, frame("not json"));
            write(huge, ByteBuffer.allocate(4).putInt(0, 1_000_000).array());

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (closedPeers.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(closedPeers).hasSize(2).doesNotContain(goodName);
            write(good, frame("{\"type\":\"still-here\"}"));
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo(goodName + ":still-here");
            assertThat(bad.read(ByteBuffer.allocate(1)))
                    .as("the bad peer sees EOF")
                    .isEqualTo(-1);
        }
    }

    @Test
    void given_a_peer_disconnects_then_the_daemon_hears_of_it_at_once() throws Exception {
        SocketChannel ch = raw();
        write(ch, frame("{\"type\":\"hello\"}"));
        String name = received.poll(5, TimeUnit.SECONDS).split(":")[0];

        ch.close();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!closedPeers.contains(name) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(closedPeers).contains(name);
    }

    @Test
    @Timeout(60)
    void given_a_peer_that_completes_no_frame_in_time_then_it_is_closed_while_a_quiet_peer_that_spoke_stays()
            throws Exception {
        socket.close();
        socket = DaemonSocket.bind(home, 1024, new DaemonSocket.Limits(16, Duration.ofSeconds(1)));
        socket.acceptInBackground(
                c -> c.start(m -> received.add(c.name() + ":" + m.type()), closed -> closedPeers.add(closed.name())));
        try (SocketChannel spoke = raw();
                SocketChannel silent = raw();
                SocketChannel half = raw()) {
            write(spoke, frame("{\"type\":\"hello\"}"));
            String spokeName = received.poll(5, TimeUnit.SECONDS).split(":")[0];
            write(half, ByteBuffer.allocate(7).putInt(100).put(new byte[3]).array());

            Eventually.await(
                    () -> closedPeers.size() >= 2, "the two stalled peers to be closed", Duration.ofSeconds(15));
            write(spoke, frame("{\"type\":\"still-here\"}"));

            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo(spokeName + ":still-here");
            assertThat(closedPeers).hasSize(2).doesNotContain(spokeName);
            assertThat(silent.read(ByteBuffer.allocate(1)))
                    .as("the silent peer sees EOF")
                    .isEqualTo(-1);
            assertThat(half.read(ByteBuffer.allocate(1)))
                    .as("the half-frame peer sees EOF")
                    .isEqualTo(-1);
        }
    }

    @Test
    @Timeout(60)
    void given_as_many_peers_as_the_cap_then_a_newcomer_displaces_the_longest_silent_one_or_is_closed_when_all_spoke()
            throws Exception {
        socket.close();
        socket = DaemonSocket.bind(home, 1024, new DaemonSocket.Limits(3, Duration.ofMinutes(1)));
        List<String> accepted = new CopyOnWriteArrayList<>();
        socket.acceptInBackground(c -> {
            accepted.add(c.name());
            c.start(m -> received.add(c.name() + ":" + m.type()), closed -> closedPeers.add(closed.name()));
        });
        List<SocketChannel> peers = new java.util.ArrayList<>();
        try {
            for (int i = 1; i <= 3; i++) {
                peers.add(raw());
                int n = i;
                Eventually.await(() -> accepted.size() == n, "peer " + n + " accepted");
            }

            peers.add(raw());
            assertThat(peers.get(0).read(ByteBuffer.allocate(1)))
                    .as("the longest silent peer made way")
                    .isEqualTo(-1);
            for (SocketChannel p : peers.subList(1, 4)) {
                write(p, frame("{\"type\":\"hello\"}"));
            }
            for (int i = 0; i < 3; i++) {
                assertThat(received.poll(5, TimeUnit.SECONDS)).endsWith(":hello");
            }
            SocketChannel newcomer = raw();
            peers.add(newcomer);

            assertThat(newcomer.read(ByteBuffer.allocate(1)))
                    .as("over the cap, with every peer busy")
                    .isEqualTo(-1);
            write(peers.get(1), frame("{\"type\":\"still-here\"}"));
            assertThat(received.poll(5, TimeUnit.SECONDS)).endsWith(":still-here");
        } finally {
            for (SocketChannel p : peers) {
                p.close();
            }
        }
    }
}
