package dev.larkhandoff.server.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.config.SessionIdentity;
import dev.larkhandoff.server.daemon.Daemon;
import dev.larkhandoff.server.daemon.DaemonOptions;
import dev.larkhandoff.server.ipc.DaemonClient;
import dev.larkhandoff.server.ipc.DaemonSocket;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.inbox.InboxEvent;
import dev.larkhandoff.store.session.DeliveryMode;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each failure the doctor checks for, staged for real (files, a daemon, the emulator), and reported with its fix. */
class DoctorTest {

    private static final Optional<List<String>> PLUGIN_INSTALLED =
            Optional.of(List.of("Installed plugins:", "  ❯ lark-handoff@lark-handoff-local", "    Status: ✔ enabled"));

    @RegisterExtension
    final TestWorld world =
            TestWorld.builder().operator("Alice", "alice@example.com").build();

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    @Test
    void given_a_good_setup_with_a_connected_daemon_then_nothing_is_an_error() throws Exception {
        configure(world.lark().app().appSecret(), "alice@example.com");
        startDaemon("1.0.0");

        dev.larkhandoff.testing.Eventually.await(
                () -> level(examine("1.0.0", PLUGIN_INSTALLED), "lark_connection") == Finding.Level.OK,
                "the daemon's Lark connection");
        List<Finding> findings = examine("1.0.0", PLUGIN_INSTALLED);

        assertThat(findings).noneMatch(f -> f.level() == Finding.Level.ERROR);
        assertThat(level(findings, "socket")).isEqualTo(Finding.Level.OK);
        assertThat(level(findings, "plugin")).isEqualTo(Finding.Level.OK);
    }

    @Test
    void given_no_config_then_it_says_to_run_init_and_errors_come_first() {
        List<Finding> findings = examine("1.0.0", PLUGIN_INSTALLED);

        assertThat(find(findings, "credentials").fix()).contains("lark-handoff init");
        assertThat(find(findings, "config").level()).isEqualTo(Finding.Level.WARNING);
        assertThat(findings.get(0).level()).isEqualTo(Finding.Level.ERROR);
        assertThat(level(findings, "daemon")).as("no daemon is not an error").isEqualTo(Finding.Level.WARNING);
    }

    @Test
    void given_a_config_others_can_read_then_it_says_to_chmod_it() throws Exception {
        configure(world.lark().app().appSecret(), "alice@example.com");
        Files.setPosixFilePermissions(
                world.home().resolve("config.json"), PosixFilePermissions.fromString("rw-r--r--"));

        Finding config = find(examine("1.0.0", PLUGIN_INSTALLED), "config");

        assertThat(config.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(config.fix()).isEqualTo("chmod 600 " + world.home().resolve("config.json"));
    }

    @Test
    void given_a_wrong_secret_and_no_operator_then_both_are_errors_with_fixes() throws Exception {
        configure("wrong-secret", null);

        List<Finding> findings = examine("1.0.0", PLUGIN_INSTALLED);

        assertThat(find(findings, "credentials").level()).isEqualTo(Finding.Level.ERROR);
        assertThat(find(findings, "credentials").fix()).contains("App Secret");
        assertThat(find(findings, "operator").level()).isEqualTo(Finding.Level.ERROR);
    }

    @Test
    void given_a_daemon_of_another_version_then_it_is_an_error() throws Exception {
        configure(world.lark().app().appSecret(), "alice@example.com");
        startDaemon("0.9.0");

        Finding daemon = find(examine("1.0.0", PLUGIN_INSTALLED), "daemon");

        assertThat(daemon.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(daemon.message()).contains("0.9.0", "1.0.0");
    }

    @Test
    void given_a_daemon_without_a_lark_connection_then_it_is_an_error() throws Exception {
        startDaemon("1.0.0"); // no config: the daemon serves sessions but has no Lark connection

        assertThat(find(examine("1.0.0", PLUGIN_INSTALLED), "lark_connection").level())
                .isEqualTo(Finding.Level.ERROR);
    }

    @Test
    void given_a_socket_others_can_reach_then_it_is_an_error() throws Exception {
        configure(world.lark().app().appSecret(), "alice@example.com");
        startDaemon("1.0.0");
        Files.setPosixFilePermissions(world.home(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(
                world.home().resolve(DaemonSocket.FILE_NAME), PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThat(find(examine("1.0.0", PLUGIN_INSTALLED), "socket").level()).isEqualTo(Finding.Level.ERROR);
    }

    @Test
    void given_no_plugin_or_no_claude_then_it_warns_with_the_install_command() {
        assertThat(find(examine("1.0.0", Optional.of(List.of("No plugins installed"))), "plugin")
                        .fix())
                .contains("claude plugin install lark-handoff@lark-handoff-local");
        assertThat(level(examine("1.0.0", Optional.empty()), "plugin")).isEqualTo(Finding.Level.WARNING);
    }

    @Test
    void given_two_dispatchers_then_the_roles_look_wrong() throws Exception {
        configure(world.lark().app().appSecret(), "alice@example.com");
        startDaemon("1.0.0");
        connect("one", "dispatcher", DeliveryMode.PUSH);
        connect("two", "dispatcher", DeliveryMode.PUSH);

        assertThat(find(examine("1.0.0", PLUGIN_INSTALLED), "roles").level()).isEqualTo(Finding.Level.WARNING);
    }

    @Test
    void given_old_messages_waiting_for_a_connected_push_session_then_it_suspects_channels_are_off() throws Exception {
        configure(world.lark().app().appSecret(), "alice@example.com");
        Instant anHourAgo = Instant.now().minus(Duration.ofHours(1));
        try (Store store = Store.open(world.home(), Clock.fixed(anHourAgo, ZoneOffset.UTC))) {
            store.inbox()
                    .insertIfAbsent(InboxEvent.of("ev-old", "im.message.receive_v1", "{}")
                            .withMessage(
                                    "om_old",
                                    "oc_chat",
                                    "group",
                                    "ou_alice",
                                    "user",
                                    "text",
                                    "hello?",
                                    anHourAgo.toEpochMilli()));
        }
        // Alice and the group are let in, so the message is deliverable: it waits only for the session.
        new dev.larkhandoff.server.access.AccessFile(world.home())
                .save(dev.larkhandoff.server.access.AccessPolicy.defaults()
                        .withAllowFrom(List.of("ou_alice"))
                        .withGroups(Map.of(
                                "oc_chat",
                                new dev.larkhandoff.server.access.AccessPolicy.GroupRule(false, List.of()))));
        startDaemon("1.0.0");
        connect("deaf", "dispatcher", DeliveryMode.PUSH); // receives deliveries and never acknowledges them

        List<Finding> findings = examine("1.0.0", PLUGIN_INSTALLED);

        assertThat(find(findings, "pending").level()).isEqualTo(Finding.Level.WARNING);
        assertThat(find(findings, "channel_delivery").fix()).contains("--channels");
    }

    // ---- staging ----

    private void configure(String secret, String email) throws Exception {
        new LarkHandoffConfig(
                        world.home(),
                        world.lark().app().appId(),
                        secret,
                        world.lark().baseUrl(),
                        email)
                .save();
    }

    private void startDaemon(String version) throws Exception {
        LarkHandoffConfig config = world.config();
        open.add(Daemon.start(DaemonOptions.of(config, version).withoutHttp()));
    }

    private void connect(String id, String role, DeliveryMode mode) throws Exception {
        open.add(
                0,
                DaemonClient.connect(
                        world.home(),
                        SessionIdentity.from(
                                Environment.of(Map.of("LARK_HANDOFF_SESSION_ID", id, "LARK_HANDOFF_ROLE", role)), mode),
                        "1.0.0",
                        1,
                        (c, m) -> {},
                        () -> {},
                        Duration.ofSeconds(10)));
    }

    private List<Finding> examine(String version, Optional<List<String>> plugins) {
        return new Doctor(world.home(), version, Clock.systemUTC(), () -> plugins)
                .examine(h -> LarkHandoffConfig.load(Environment.of(Map.of("LARK_HANDOFF_HOME", h.toString()))));
    }

    private static Finding find(List<Finding> findings, String check) {
        return findings.stream()
                .filter(f -> f.check().equals(check))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no finding for " + check + " in " + findings));
    }

    private static Finding.Level level(List<Finding> findings, String check) {
        return find(findings, check).level();
    }
}
