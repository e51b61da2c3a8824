package dev.larkhandoff.server.handoff;

import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.server.Eventually;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.config.SessionIdentity;
import dev.larkhandoff.server.daemon.Daemon;
import dev.larkhandoff.server.daemon.DaemonOptions;
import dev.larkhandoff.server.ipc.DaemonClient;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.store.session.DeliveryMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * A daemon in this JVM for the handoff tool tests: the emulator as Lark with an operator, the daemon's real socket,
 * store and long connection, and sessions that connect over the socket as proxies do. Faster than child processes,
 * so the many small cases (bad input, each outcome of a wait) run here; whole conversations run in the scenario
 * tests.
 */
final class HandoffDaemon implements AutoCloseable {

    final LarkEmulator lark;
    final EmulatorControl control;
    final EmuUser operator;
    final Path home;
    private Daemon daemon;
    private final List<DaemonClient> clients = new ArrayList<>();

    HandoffDaemon(Path home) throws Exception {
        this.home = home;
        lark = LarkEmulator.start();
        control = lark.control();
        operator = control.addUser("Olivia", "olivia@example.com");
        new LarkHandoffConfig(home, lark.app().appId(), lark.app().appSecret(), lark.baseUrl())
                .withOperatorEmail(operator.email())
                .save();
        startDaemon();
    }

    void startDaemon() throws Exception {
        startDaemon(DaemonOptions.DEFAULT_PERMISSION_TIMEOUT);
    }

    /** Starts the daemon with this permission timeout (and its HTTP front, for the hook endpoint). */
    void startDaemon(java.time.Duration permissionTimeout) throws Exception {
        if (daemon != null) {
            stopDaemon();
        }
        LarkHandoffConfig config = LarkHandoffConfig.load(Environment.of(Map.of("LARK_HANDOFF_HOME", home.toString())));
        daemon = Daemon.start(DaemonOptions.of(config, "test").withPermissionTimeout(permissionTimeout));
    }

    /** Stops the daemon (as a crash would, for the store: the next one starts from what is on disk). */
    void stopDaemon() {
        clients.forEach(DaemonClient::close);
        clients.clear();
        daemon.close();
        daemon = null;
    }

    /** A session connected as a proxy would: {@code id} with the project directory {@code home}. */
    Session session(String id) throws Exception {
        DaemonClient client = DaemonClient.connect(
                home,
                SessionIdentity.from(
                        Environment.of(Map.of(
                                "LARK_HANDOFF_SESSION_ID",
                                id,
                                "CLAUDE_PROJECT_DIR",
                                home.resolve("project").toString())),
                        DeliveryMode.PUSH),
                "test",
                1,
                (c, m) -> {},
                () -> {},
                Duration.ofSeconds(10));
        clients.add(client);
        return new Session("session:" + id, client);
    }

    /** One connected session and its tool calls. */
    record Session(String id, DaemonClient client) {

        ToolResult call(String tool, Map<String, Object> args) {
            try {
                return client.callTool(tool, args).get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError(tool + " did not answer", e);
            }
        }

        /** The call's JSON, failing the test on an error result. */
        JsonNode ok(String tool, Map<String, Object> args) {
            ToolResult r = call(tool, args);
            if (r.isError()) {
                throw new AssertionError(tool + " answered an error: " + r.text());
            }
            return ServerJson.mapper().readTree(r.text());
        }

        CompletableFuture<JsonNode> async(String tool, Map<String, Object> args) {
            return CompletableFuture.supplyAsync(() -> ok(tool, args));
        }

        /** Starts a handoff in a new group and returns its chat id. */
        String start() {
            return ok(HandoffTools.START, Map.of("model", "claude-opus-4", "tool", "Claude Code", "mode", "new"))
                    .path("chat_id")
                    .asString();
        }
    }

    /** The newest message the bot posted in the chat whose content contains {@code text}. */
    EmuMessage awaitBotMessage(String chatId, String text) {
        EmuMessage[] found = new EmuMessage[1];
        Eventually.await(
                () -> {
                    for (EmuMessage m : control.botMessages(chatId)) {
                        if (m.content().contains(text)) {
                            found[0] = m;
                        }
                    }
                    return found[0] != null;
                },
                "the bot to post '" + text + "'",
                Duration.ofSeconds(20));
        return found[0];
    }

    List<String> reactions(String messageId) {
        return lark.state().reactions(messageId).stream()
                .map(r -> r.emojiType())
                .toList();
    }

    @Override
    public void close() {
        clients.forEach(DaemonClient::close);
        if (daemon != null) {
            daemon.close();
        }
        lark.close();
    }
}
