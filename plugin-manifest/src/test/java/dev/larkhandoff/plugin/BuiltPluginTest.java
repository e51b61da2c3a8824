package dev.larkhandoff.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin this build made, checked with the clients' own tools rather than our reading of their docs: Claude
 * Code's {@code claude plugin validate --strict} on the plugin and its marketplace, {@code claude --plugin-dir …
 * mcp list} connecting the plugin's server (whose daemon then serves the emulator's Lark), a local marketplace
 * install, and the MCP Inspector CLI listing the tools through the plugin's own launcher.
 */
class BuiltPluginTest {

    private static final Path ROOT = Path.of(System.getProperty("pluginRoot", "target/plugin"));
    private static final Path PLUGIN = ROOT.resolve("lark-handoff");
    private static final Path CLIENTS = Path.of(System.getProperty("clientsDir", "target/clients"));
    private static final Path CLAUDE = CLIENTS.resolve("node_modules/.bin/claude");

    @TempDir
    Path scratch;

    private Path userHome;
    private Path larkHome;
    private LarkEmulator lark;

    @BeforeEach
    void setUp() throws IOException {
        userHome = Files.createDirectories(scratch.resolve("user-home"));
        larkHome = Files.createDirectories(scratch.resolve("lark-handoff-home"));
    }

    @AfterEach
    void tearDown() {
        LarkHome.daemonsOf(larkHome).forEach(ProcessHandle::destroyForcibly);
        if (lark != null) {
            lark.close();
        }
    }

    @Test
    void claude_plugin_validate_strict_passes_on_the_plugin_and_on_its_marketplace() throws Exception {
        ClientRun plugin = claude("plugin", "validate", "--strict", PLUGIN.toString());
        ClientRun marketplace = claude("plugin", "validate", "--strict", ROOT.toString());

        assertThat(plugin.exitCode()).as("plugin" + plugin.diagnostics()).isZero();
        assertThat(plugin.stdout())
                .contains(
                        "Validation passed",
                        "lark-handoff:handoff",
                        "lark-handoff:feishu-channel",
                        "hooks: PreToolUse",
                        "hooks: PermissionRequest");
        assertThat(marketplace.exitCode())
                .as("marketplace" + marketplace.diagnostics())
                .isZero();
        assertThat(Files.readString(PLUGIN.resolve(".claude-plugin/plugin.json")))
                .as("the build's version, not the placeholder")
                .doesNotContain("${")
                .contains("\"version\"");
    }

    @Test
    void claude_mcp_list_with_the_plugin_dir_connects_its_server_and_the_daemon_serves_the_emulators_lark()
            throws Exception {
        lark = LarkEmulator.start();
        EmuUser alice = lark.control().addUser("Alice", LarkHome.OPERATOR_EMAIL);
        EmuChat chat = lark.control().createGroup("plugin-check", alice);
        LarkHome.writeConfig(larkHome, lark);

        ClientRun list = claude("--plugin-dir", PLUGIN.toString(), "mcp", "list");

        assertThat(list.stdout())
                .as("mcp list" + list.diagnostics())
                .containsPattern("plugin:lark-handoff:lark-handoff: .*/bin/lark-handoff stdio - ✔ Connected");
        // The daemon the plugin's proxy started holds the long connection: Lark's events are acknowledged.
        assertThat(LarkHome.daemonsOf(larkHome))
                .as("the daemon the plugin started")
                .hasSize(1);
        assertThat(lark.control().sendText(alice, chat.chatId, "ping").awaitAcks(Duration.ofSeconds(30)))
                .as("the event acknowledged by the plugin's daemon")
                .isNotEmpty()
                .allSatisfy(ack -> assertThat(ack.code()).isEqualTo(200));
    }

    @Test
    void the_local_marketplace_installs_the_plugin_enabled() throws Exception {
        ClientRun add = claude("plugin", "marketplace", "add", ROOT.toString());
        ClientRun install = claude("plugin", "install", "lark-handoff@lark-handoff-local");
        ClientRun installed = claude("plugin", "list");

        assertThat(add.exitCode()).as("marketplace add" + add.diagnostics()).isZero();
        assertThat(install.exitCode()).as("install" + install.diagnostics()).isZero();
        assertThat(installed.stdout())
                .as("plugin list" + installed.diagnostics())
                .contains("lark-handoff@lark-handoff-local")
                .contains("enabled");
    }

    @Test
    void the_mcp_inspector_lists_the_tools_through_the_plugins_launcher() throws Exception {
        Path inspector =
                CLIENTS.resolve("node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js");
        List<String> command = new ArrayList<>(List.of(
                "node",
                inspector.toString(),
                "--cli",
                "--format",
                "json",
                "--connect-timeout",
                "60000",
                "-e",
                "LARK_HANDOFF_HOME=" + larkHome,
                "-e",
                "LARK_HANDOFF_SESSION_ID=inspector",
                PLUGIN.resolve("bin/lark-handoff").toString(),
                "stdio",
                "--method",
                "tools/list"));

        ClientRun run = ClientRun.run(scratch, Map.of("HOME", userHome.toString()), command);

        assertThat(run.exitCode()).as("inspector" + run.diagnostics()).isZero();
        assertThat(run.stdout())
                .contains("\"handoff_start\"", "\"send_and_wait\"", "\"wait_for_reply\"", "\"feishu_channel_status\"");
    }

    @Test
    void the_plugins_hook_script_answers_through_the_daemons_http_front_and_says_nothing_without_a_handoff()
            throws Exception {
        lark = LarkEmulator.start();
        EmuUser alice = lark.control().addUser("Alice", LarkHome.OPERATOR_EMAIL);
        LarkHome.writeConfig(larkHome, lark);
        String pre = "{\"session_id\":\"c0ffee\",\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\","
                + "\"tool_input\":{\"command\":\"make\"}}";
        assertThat(hookScript("PreToolUse", pre).stdout())
                .as("no daemon, no answer")
                .isEmpty();

        // A session of the plugin's own server starts a handoff and shows the working card (the daemon starts too).
        ClientRun start = inspectorCall("handoff_start", "model=test-model", "tool=Inspector", "mode=new");
        assertThat(start.stdout()).as("handoff_start" + start.diagnostics()).contains("started");
        ClientRun working = inspectorCall("handoff_send", "message=Building", "working=true");
        String card = working.stdout().replaceAll("(?s).*working_card\\\\?\":\\\\?\"(om_[A-Za-z0-9_-]+).*", "$1");
        assertThat(card).as("the working card's id" + working.diagnostics()).startsWith("om_");
        assertThat(Files.readAttributes(
                                larkHome.resolve("hooks.curlrc"), java.nio.file.attribute.PosixFileAttributes.class)
                        .permissions())
                .containsExactlyInAnyOrder(
                        java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);

        assertThat(hookScript("PreToolUse", pre).stdout())
                .as("a handoff without Stop: no answer")
                .isEmpty();
        lark.control().clickButton(alice, card, "Stop");
        ClientRun denied = hookScript("PreToolUse", pre);

        assertThat(denied.exitCode()).isZero();
        assertThat(denied.stdout())
                .as("PreToolUse while Stop is pressed" + denied.diagnostics())
                .contains("\"permissionDecision\":\"deny\"", "Stopped by user from Lark");
    }

    /** A tools/call through the plugin's launcher as session {@code inspector}, by the MCP Inspector CLI. */
    private ClientRun inspectorCall(String tool, String... args) throws IOException, InterruptedException {
        Path inspector =
                CLIENTS.resolve("node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js");
        List<String> command = new ArrayList<>(List.of(
                "node",
                inspector.toString(),
                "--cli",
                "--format",
                "json",
                "--connect-timeout",
                "60000",
                "-e",
                "LARK_HANDOFF_HOME=" + larkHome,
                "-e",
                "LARK_HANDOFF_SESSION_ID=inspector",
                "-e",
                "CLAUDE_PROJECT_DIR=" + scratch,
                PLUGIN.resolve("bin/lark-handoff").toString(),
                "stdio",
                "--method",
                "tools/call",
                "--tool-name",
                tool));
        for (String a : args) {
            command.add("--tool-arg");
            command.add(a);
        }
        return ClientRun.run(scratch, Map.of("HOME", userHome.toString()), command);
    }

    /** The plugin's hook script as Claude Code runs it: the hook JSON on stdin, the session's environment. */
    private ClientRun hookScript(String event, String input) throws IOException, InterruptedException {
        Path in = Files.writeString(scratch.resolve("hook-input.json"), input);
        return ClientRun.run(
                scratch,
                Map.of(
                        "HOME",
                        userHome.toString(),
                        "LARK_HANDOFF_HOME",
                        larkHome.toString(),
                        "LARK_HANDOFF_SESSION_ID",
                        "inspector"),
                List.of(
                        "sh",
                        "-c",
                        "exec \"$0\" \"$1\" < \"$2\"",
                        PLUGIN.resolve("bin/lark-handoff-hook").toString(),
                        event,
                        in.toString()));
    }

    /** {@code claude <args>} with a home of its own, no network beyond loopback, and no update checks. */
    private ClientRun claude(String... args) throws IOException, InterruptedException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", userHome.toString());
        env.put("LARK_HANDOFF_HOME", larkHome.toString());
        env.put("DISABLE_AUTOUPDATER", "1");
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        env.put("DISABLE_TELEMETRY", "1");
        List<String> command = new ArrayList<>(List.of(CLAUDE.toString()));
        command.addAll(List.of(args));
        return ClientRun.run(scratch, env, command);
    }
}
