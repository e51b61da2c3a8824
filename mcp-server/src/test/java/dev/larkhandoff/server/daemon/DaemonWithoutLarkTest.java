package dev.larkhandoff.server.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.config.SessionIdentity;
import dev.larkhandoff.server.ipc.DaemonClient;
import dev.larkhandoff.server.ipc.DaemonSocket;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolSpec;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.testing.Eventually;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A daemon with no Lark app configured yet: it serves sessions and tells agents what is missing. */
class DaemonWithoutLarkTest {

    @RegisterExtension
    final TestWorld world = TestWorld.builder().build();

    @Test
    void given_no_lark_app_then_the_daemon_serves_ownership_and_the_lark_tools_say_what_to_do() throws Exception {
        LarkHandoffConfig config = world.config();
        try (Daemon daemon = Daemon.start(DaemonOptions.of(config, "9.9.9").withoutHttp());
                DaemonClient client = DaemonClient.connect(
                        world.home(),
                        SessionIdentity.from(
                                Environment.of(
                                        Map.of("LARK_HANDOFF_SESSION_ID", "solo", "LARK_HANDOFF_ROLE", "dispatcher")),
                                DeliveryMode.PUSH),
                        "9.9.9",
                        1,
                        (c, m) -> {},
                        () -> {},
                        Duration.ofSeconds(10))) {

            ToolResult reply = client.callTool("reply", Map.of("chat_id", "oc_x", "text", "hi"))
                    .get(10, TimeUnit.SECONDS);
            ToolResult status = client.callTool(OwnershipTools.STATUS, Map.of()).get(10, TimeUnit.SECONDS);

            assertThat(reply.isError()).isTrue();
            assertThat(reply.text()).startsWith("reply needs a Lark app: run `lark-handoff init`");
            assertThat(status.text()).contains("\"lark_connection\": \"not configured\"", "\"version\": \"9.9.9\"");
            assertThat(client.tools())
                    .extracting(ToolSpec::name)
                    .contains("reply", "react", "edit_message", "wait_for_reply", OwnershipTools.STATUS);
        }
    }

    @Test
    void given_a_daemon_already_serving_the_home_then_a_second_one_refuses_to_start() throws Exception {
        LarkHandoffConfig config = world.config();
        try (Daemon first = Daemon.start(DaemonOptions.of(config, "1.0.0").withoutHttp())) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> Daemon.start(DaemonOptions.of(config, "1.0.0").withoutHttp()))
                    .isInstanceOf(Daemon.AlreadyRunning.class)
                    .hasMessageContaining(world.home().toString());
        }
    }

    @Test
    void given_the_socket_file_is_deleted_or_replaced_under_a_running_daemon_then_it_is_back_within_seconds()
            throws Exception {
        LarkHandoffConfig config = world.config();
        Path sock = world.home().resolve(DaemonSocket.FILE_NAME);
        try (Daemon daemon = Daemon.start(DaemonOptions.of(config, "9.9.9").withoutHttp());
                DaemonClient before = session("before")) {

            Files.delete(sock);
            Eventually.await(() -> DaemonSocket.answers(sock), "the deleted socket to be back", Duration.ofSeconds(10));
            try (DaemonClient afterDelete = session("after-delete")) {
                assertThat(afterDelete
                                .callTool(OwnershipTools.STATUS, Map.of())
                                .get(10, TimeUnit.SECONDS)
                                .text())
                        .contains("session:before", "session:after-delete");
            }
            Files.delete(sock);
            Files.writeString(sock, "not a socket");
            Eventually.await(
                    () -> DaemonSocket.answers(sock), "the replaced socket to be back", Duration.ofSeconds(10));
            try (DaemonClient afterReplace = session("after-replace")) {
                assertThat(afterReplace
                                .callTool(OwnershipTools.STATUS, Map.of())
                                .get(10, TimeUnit.SECONDS)
                                .isError())
                        .isFalse();
            }

            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)))
                    .isEqualTo("rw-------");
            assertThat(before.callTool(OwnershipTools.STATUS, Map.of())
                            .get(10, TimeUnit.SECONDS)
                            .text())
                    .as("a connection made before stays up")
                    .contains("session:before");
        }
    }

    private DaemonClient session(String id) throws Exception {
        return DaemonClient.connect(
                world.home(),
                SessionIdentity.from(Environment.of(Map.of("LARK_HANDOFF_SESSION_ID", id)), DeliveryMode.PUSH),
                "9.9.9",
                1,
                (c, m) -> {},
                () -> {},
                Duration.ofSeconds(10));
    }
}
