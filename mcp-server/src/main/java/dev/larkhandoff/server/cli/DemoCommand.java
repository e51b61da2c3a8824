package dev.larkhandoff.server.cli;

import dev.larkhandoff.emulator.EmulatorOptions;
import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.server.access.AccessFile;
import dev.larkhandoff.server.access.AccessPolicy;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.daemon.Daemon;
import dev.larkhandoff.server.daemon.DaemonOptions;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lark-handoff demo}: the whole product against the built-in Lark emulator, no credentials needed. Starts
 * the emulator and a daemon on a temporary home, prints how to connect an agent or the MCP Inspector and how to
 * play the Lark user, and runs until Ctrl-C.
 */
@Command(name = "demo", description = "Run everything against the built-in Lark emulator (no Lark app needed).")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--emulator-port", defaultValue = "9595", description = "Port of the Lark emulator (0 = any).")
    int emulatorPort;

    @Option(names = "--http-port", defaultValue = "0", description = "Port of the daemon's HTTP MCP front (0 = any).")
    int httpPort;

    /** The {@code .mcp.json} that runs the stdio proxy against this home, as the dispatcher. */
    static String mcpJson(List<String> launcher, Path home) {
        var json = dev.larkhandoff.server.ServerJson.mapper();
        var root = json.createObjectNode();
        var server = root.putObject("mcpServers").putObject("lark-handoff");
        server.put("command", launcher.get(0));
        var args = server.putArray("args");
        launcher.subList(1, launcher.size()).forEach(args::add);
        args.add("stdio");
        server.putObject("env").put("LARK_HANDOFF_HOME", home.toString()).put("LARK_HANDOFF_ROLE", "dispatcher");
        return json.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    @Override
    public Integer call() throws Exception {
        LarkEmulator emulator = LarkEmulator.start(EmulatorOptions.defaults().withPort(emulatorPort), null, null);
        EmuUser alice = emulator.control().addUser("Alice", "alice@example.com");
        EmuChat group = emulator.control().createGroup("demo@emulator", alice);
        Path home = Files.createTempDirectory("lark-handoff-demo-");
        LarkHandoffConfig config = new LarkHandoffConfig(
                home, emulator.app().appId(), emulator.app().appSecret(), emulator.baseUrl());
        config.save();
        AccessFile access = new AccessFile(home);
        // Alice only, in the group too, without an @-mention: no one else who joins the demo group gets in.
        AccessPolicy policy = AccessPolicy.defaults()
                .withAllowFrom(List.of(alice.openId()))
                .withGroups(java.util.Map.of(group.chatId, new AccessPolicy.GroupRule(false, List.of(alice.openId()))));
        access.save(policy);
        Daemon daemon =
                Daemon.start(DaemonOptions.of(config, BuildInfo.version()).withHttpPort(httpPort));
        List<String> launcher = Launcher.command();
        String httpUrl = daemon.httpUrl();
        PrintStream out = System.out;
        out.println(
                "lark-handoff demo " + BuildInfo.version() + " — emulator at " + emulator.baseUrl() + ", home " + home);
        out.println();
        out.println("1) Connect Claude Code: put this in .mcp.json");
        out.println(mcpJson(launcher, home));
        out.println();
        out.println("2) Or the MCP Inspector:");
        out.println("   npx @modelcontextprotocol/inspector --cli -e LARK_HANDOFF_HOME=" + home + " "
                + String.join(" ", launcher) + " stdio --method tools/call --tool-name feishu_channel_status");
        if (httpUrl != null) {
            // Not as an Inspector command: a header on a command line shows the token to every local user in ps.
            out.println("   (HTTP clients: " + httpUrl + "/mcp with the header `Authorization: Bearer <contents of "
                    + home.resolve(dev.larkhandoff.server.http.HttpToken.FILE_NAME) + ">`, set in the client's config "
                    + "file, never on a command line)");
        }
        out.println();
        out.println("3) Be Alice on Lark (she is allowlisted): send a message to the demo group");
        out.println("   curl -s " + emulator.baseUrl() + "/_emulator/messages -H 'content-type: application/json' -d '"
                + "{\"sender\":\"" + alice.openId() + "\",\"chat_id\":\"" + group.chatId
                + "\",\"content\":{\"text\":\"hello agent\"}}'");
        out.println();
        out.println("Ctrl-C to stop.");
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            daemon.close();
                            emulator.close();
                            stop.countDown();
                        },
                        "demo-shutdown"));
        stop.await();
        return 0;
    }
}
