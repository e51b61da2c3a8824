package dev.larkhandoff.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The OpenCode plugin this build made, in a real OpenCode ({@code opencode serve}, pinned by the build) whose model
 * is a scripted stand-in: the model calls lark-handoff's tools through OpenCode's own MCP client (the server entry
 * exactly as the README documents it) and OpenCode's bash tool, and Alice answers in the emulator's Lark.
 */
class OpenCodePluginTest {

    private static final Path CLIENTS = Path.of(System.getProperty("clientsDir", "target/clients"));
    private static final Path OPENCODE = CLIENTS.resolve("node_modules/opencode-linux-x64/bin/opencode");
    private static final Path PLUGIN_FILE =
            Path.of(System.getProperty("openCodePlugin", "target/opencode/lark-handoff.js"));
    private static final Path LAUNCHER =
            Path.of(System.getProperty("pluginRoot", "target/plugin")).resolve("lark-handoff/bin/lark-handoff");
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path scratch;

    private Path project;
    private Path larkHome;
    private LarkEmulator lark;
    private EmuUser alice;
    private FakeModel model;
    private OpenCodeServer opencode;

    @BeforeEach
    void setUp() throws Exception {
        assumeThat(Files.isExecutable(OPENCODE))
                .as("OpenCode's linux-x64 binary (an optional npm package) is " + "installed only on linux-x64")
                .isTrue();
        lark = LarkEmulator.start();
        alice = lark.control().addUser("Alice", LarkHome.OPERATOR_EMAIL);
        larkHome = Files.createDirectories(scratch.resolve("lark-handoff-home"));
        LarkHome.writeConfig(larkHome, lark);
        model = FakeModel.start(CLIENTS.resolve("fake-model.mjs"), scratch.resolve("model.log"));

        project = Files.createDirectories(scratch.resolve("project"));
        Files.createDirectories(project.resolve(".opencode/plugins"));
        Files.copy(PLUGIN_FILE, project.resolve(".opencode/plugins/lark-handoff.js"));
        Files.writeString(project.resolve("opencode.json"), """
                {
                  "$schema": "https://opencode.ai/config.json",
                  "model": "fake/m",
                  "small_model": "fake/m",
                  "autoupdate": false,
                  "share": "disabled",
                  "permission": { "bash": "ask" },
                  "provider": { "fake": { "npm": "@ai-sdk/openai-compatible", "name": "Fake",
                    "options": { "baseURL": "%s", "apiKey": "unused" },
                    "models": { "m": { "name": "m", "tool_call": true, "limit": { "context": 100000, "output": 4096 } } } } },
                  "mcp": { "lark-handoff": { "type": "local", "command": ["%s", "stdio"], "timeout": 60000 } }
                }
                """.formatted(model.baseUrl(), LAUNCHER.toAbsolutePath()));

        Path home = Files.createDirectories(scratch.resolve("user-home"));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", home.toString());
        for (String xdg : List.of("CONFIG", "DATA", "CACHE", "STATE")) {
            env.put(
                    "XDG_" + xdg + "_HOME",
                    Files.createDirectories(home.resolve(xdg.toLowerCase())).toString());
        }
        env.put("LARK_HANDOFF_HOME", larkHome.toString());
        // Nothing beyond loopback: no model catalogue, updates, sharing, LSP downloads or Claude Code imports.
        for (String off : List.of(
                "MODELS_FETCH",
                "AUTOUPDATE",
                "DEFAULT_PLUGINS",
                "LSP_DOWNLOAD",
                "SHARE",
                "CLAUDE_CODE",
                "EXTERNAL_SKILLS")) {
            env.put("OPENCODE_DISABLE_" + off, "1");
        }
        opencode = OpenCodeServer.start(OPENCODE, project, scratch, env);
    }

    @AfterEach
    void tearDown() {
        if (opencode != null) {
            opencode.close();
        }
        if (model != null) {
            model.close();
        }
        if (larkHome != null) {
            LarkHome.daemonsOf(larkHome).forEach(ProcessHandle::destroyForcibly);
        }
        if (lark != null) {
            lark.close();
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES) // a real OpenCode, a JVM proxy and a daemon start on two cores
    void given_a_handoff_opencodes_permission_prompts_tool_output_and_stop_go_through_the_lark_group()
            throws Exception {
        String session = opencode.createSession();

        // No handoff yet: the plugin stays out of the way and OpenCode's own prompt is the one that waits.
        CompletableFuture<JsonNode> before = opencode.prompt(session, bash("echo before-handoff", "Before"));
        JsonNode pending = await(() -> first(uncheckedPending()), "OpenCode's own permission prompt");
        assertThat(pending.path("permission").asString()).isEqualTo("bash");
        opencode.replyPermission(pending.path("id").asString(), "once");
        finish(before);
        assertThat(model.lastResultOf("bash"))
                .hasValueSatisfying(r -> assertThat(r).contains("before-handoff"));

        // The model starts a handoff through OpenCode's MCP client; the plugin named the server's session for it.
        finish(opencode.prompt(
                session,
                "call lark-handoff_handoff_start " + "{\"model\":\"fake/m\",\"tool\":\"OpenCode\",\"mode\":\"new\"}"));
        String chat = match(model.lastResultOf("lark-handoff_handoff_start"), "\"chat_id\"\\s*:\\s*\"(oc_[^\"]+)\"");
        finish(opencode.prompt(session, "call lark-handoff_handoff_settings {\"filter\":\"verbose\"}"));

        // Approve: the card names the command; the click lets the command run; its output is shown in the group.
        CompletableFuture<JsonNode> approved = opencode.prompt(session, bash("echo hello-from-opencode", "Say hello"));
        EmuMessage card = awaitBotMessage(chat, "Permission Request", "echo hello-from-opencode");
        lark.control().clickButton(alice, card.messageId(), "Approve");
        finish(approved);
        assertThat(model.lastResultOf("bash"))
                .hasValueSatisfying(r -> assertThat(r).contains("hello-from-opencode"));
        assertThat(lark.control().card(card.messageId()).toString()).contains("Approved");
        awaitBotMessage(chat, "Say hello", "hello-from-opencode");

        // Deny: the command never runs, and the agent is told why and goes on (its turn is not cut off).
        CompletableFuture<JsonNode> denied = opencode.prompt(session, bash("touch denied-marker", "Make a marker"));
        lark.control()
                .clickButton(
                        alice,
                        awaitBotMessage(chat, "Permission Request", "touch denied-marker")
                                .messageId(),
                        "Deny");
        finish(denied);
        assertThat(project.resolve("denied-marker")).doesNotExist();
        assertThat(model.lastResultOf("bash"))
                .as("what the model is told" + model.transcript())
                .hasValueSatisfying(r -> assertThat(r).contains("denied via Lark"));

        // Answered in OpenCode's own prompt first: the card says so and stops waiting.
        CompletableFuture<JsonNode> inTerminal = opencode.prompt(session, bash("printf answered-in-terminal", "Here"));
        EmuMessage asked = awaitBotMessage(chat, "Permission Request", "printf answered-in-terminal");
        opencode.replyPermission(first(uncheckedPending()).path("id").asString(), "once");
        finish(inTerminal);
        assertThat(model.lastResultOf("bash"))
                .hasValueSatisfying(r -> assertThat(r).contains("answered-in-terminal"));
        await(
                () -> lark.control().card(asked.messageId()).toString().contains("Answered in the terminal")
                        ? true
                        : null,
                "the card marked as answered in the terminal");

        // Approve All is OpenCode's "always": the next command of the same kind is not asked again.
        CompletableFuture<JsonNode> always = opencode.prompt(session, bash("echo always-one", "First"));
        lark.control()
                .clickButton(
                        alice,
                        awaitBotMessage(chat, "Permission Request", "echo always-one")
                                .messageId(),
                        "Approve All");
        finish(always);
        int cards = permissionCards(chat);
        finish(opencode.prompt(session, bash("echo always-two", "Second")));
        assertThat(model.lastResultOf("bash"))
                .hasValueSatisfying(r -> assertThat(r).contains("always-two"));
        assertThat(permissionCards(chat))
                .as("no new permission card after Approve All")
                .isEqualTo(cards);

        // Stop on the working card: the next tool call is refused before it runs, with the stop reason.
        finish(opencode.prompt(session, "call lark-handoff_handoff_send {\"message\":\"Building\",\"working\":true}"));
        String working = match(
                model.lastResultOf("lark-handoff_handoff_send"),
                "working_card\\\\?\"\\s*:\\s*\\\\?\"(om_[A-Za-z0-9_-]+)");
        lark.control().clickButton(alice, working, "Stop");
        finish(opencode.prompt(session, bash("touch stopped-marker", "After stop")));
        assertThat(model.lastResultOf("bash"))
                .as("what the model is told" + model.transcript())
                .hasValueSatisfying(r -> assertThat(r).contains("Stopped by user from Lark"));
        assertThat(project.resolve("stopped-marker")).doesNotExist();
    }

    private static String bash(String command, String description) {
        return "call bash {\"command\":\"" + command + "\",\"description\":\"" + description + "\"}";
    }

    private JsonNode finish(CompletableFuture<JsonNode> prompt) throws Exception {
        try {
            return prompt.get(3, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new AssertionError(
                    "the prompt did not finish: " + e + model.transcript() + opencode.diagnostics(), e);
        }
    }

    private List<JsonNode> uncheckedPending() {
        try {
            return opencode.pendingPermissions();
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    private static <T> T first(List<T> list) {
        return list.isEmpty() ? null : list.get(0);
    }

    private int permissionCards(String chat) {
        return (int) lark.control().botMessages(chat).stream()
                .filter(m -> m.content().contains("Permission Request"))
                .count();
    }

    /** The bot's message in {@code chat} containing every one of {@code parts}, once it is there. */
    private EmuMessage awaitBotMessage(String chat, String... parts) throws Exception {
        return await(
                () -> lark.control().botMessages(chat).stream()
                        .filter(m -> List.of(parts).stream().allMatch(m.content()::contains))
                        .findFirst()
                        .orElse(null),
                "a message in the group with " + String.join(" and ", parts));
    }

    private <T> T await(Supplier<T> probe, String what) throws Exception {
        Instant deadline = Instant.now().plus(WAIT);
        while (Instant.now().isBefore(deadline)) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("never saw " + what + model.transcript() + opencode.diagnostics());
    }

    private String match(Optional<String> text, String regex) throws IOException {
        assertThat(text).as("the tool was called" + model.transcript()).isPresent();
        Matcher m = Pattern.compile(regex).matcher(text.get());
        assertThat(m.find()).as("%s in %s", regex, text.get()).isTrue();
        return m.group(1);
    }
}
