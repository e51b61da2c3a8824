package dev.larkhandoff.server.cli;

import dev.larkhandoff.emulator.EmulatorOptions;
import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.server.access.AccessFile;
import dev.larkhandoff.server.access.AccessPolicy;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.config.StoreSettings;
import dev.larkhandoff.server.daemon.Daemon;
import dev.larkhandoff.server.daemon.DaemonOptions;
import dev.larkhandoff.store.StoreLocation;
import dev.larkhandoff.store.postgres.LocalPostgres;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lark-handoff demo}: the whole product against the built-in Lark emulator, no credentials needed. Starts
 * the emulator and a daemon on a temporary home, prints how to connect an agent or the MCP Inspector and how to
 * play the Lark user, and runs until Ctrl-C. With {@code --team}: two machines' daemons ("laptop" and "devbox", two
 * homes) on one Lark app, sharing one PostgreSQL store started from this machine's PostgreSQL binaries.
 */
@Command(name = "demo", description = "Run everything against the built-in Lark emulator (no Lark app needed).")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--emulator-port", defaultValue = "9595", description = "Port of the Lark emulator (0 = any).")
    int emulatorPort;

    @Option(names = "--http-port", defaultValue = "0", description = "Port of the daemon's HTTP MCP front (0 = any).")
    int httpPort;

    @Option(
            names = "--team",
            description = "Two daemons (laptop and devbox) of one Lark app sharing one PostgreSQL store started here"
                    + " (needs PostgreSQL's server binaries, e.g. Debian's postgresql package).")
    boolean team;

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
        List<AutoCloseable> running = new java.util.ArrayList<>();
        StoreSettings store = StoreSettings.local();
        Path devboxHome = null;
        if (team) {
            LocalPostgres postgres;
            try {
                postgres = LocalPostgres.start(
                        Files.createTempDirectory("lark-handoff-demo-postgres-").resolve("server"));
            } catch (RuntimeException e) {
                System.err.println("demo --team needs PostgreSQL's server binaries (initdb, pg_ctl, postgres), e.g."
                        + " Debian's postgresql package: " + e.getMessage());
                emulator.close();
                return 1;
            }
            running.add(postgres);
            StoreLocation.Postgres db = postgres.createDatabase("lark_handoff");
            store = new StoreSettings(Optional.of(db.urlWithPassword()), Optional.empty(), "the URL");
            devboxHome = Files.createTempDirectory("lark-handoff-demo-devbox-");
        }
        Daemon daemon = startDemoDaemon(home, team ? "laptop" : null, store, emulator, alice, group, httpPort);
        running.add(0, daemon);
        if (devboxHome != null) {
            running.add(0, startDemoDaemon(devboxHome, "devbox", store, emulator, alice, group, 0));
        }
        List<String> launcher = Launcher.command();
        String httpUrl = daemon.httpUrl();
        PrintStream out = System.out;
        out.println(
                "lark-handoff demo " + BuildInfo.version() + " — emulator at " + emulator.baseUrl() + ", home " + home);
        if (devboxHome != null) {
            out.println("Team mode: a second machine, \"devbox\", has its home at " + devboxHome
                    + "; both daemons share"
                    + " the store " + store.shownUrl().orElse("") + ". Lark hands each message to one of the two"
                    + " connections at random; the daemon of the session it is for delivers it either way"
                    + " (`lark-handoff status` with LARK_HANDOFF_HOME set to either home lists the team).");
        }
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
                            for (AutoCloseable c : running) {
                                try {
                                    c.close();
                                } catch (Exception e) {
                                    System.err.println("demo: stopping " + c + " failed: " + e.getMessage());
                                }
                            }
                            emulator.close();
                            stop.countDown();
                        },
                        "demo-shutdown"));
        stop.await();
        return 0;
    }

    /** A home configured for the emulator's app (and the team's store), Alice let in, and its daemon started. */
    private static Daemon startDemoDaemon(
            Path home,
            String machine,
            StoreSettings store,
            LarkEmulator emulator,
            EmuUser alice,
            EmuChat group,
            int httpPort)
            throws Exception {
        LarkHandoffConfig config = new LarkHandoffConfig(
                home, emulator.app().appId(), emulator.app().appSecret(), emulator.baseUrl());
        config.save();
        if (store.isShared()) {
            // What `init --store-url` writes: the URL in the home's config.json (readable by its owner only).
            var json = (tools.jackson.databind.node.ObjectNode) dev.larkhandoff.server.ServerJson.mapper()
                    .readTree(Files.readString(home.resolve(LarkHandoffConfig.FILE_NAME)));
            json.put("store_url", store.url().orElseThrow());
            Files.writeString(
                    home.resolve(LarkHandoffConfig.FILE_NAME),
                    dev.larkhandoff.server.ServerJson.mapper().writeValueAsString(json));
        }
        AccessFile access = new AccessFile(home);
        // Alice only, in the group too, without an @-mention: no one else who joins the demo group gets in.
        AccessPolicy policy = AccessPolicy.defaults()
                .withAllowFrom(List.of(alice.openId()))
                .withGroups(java.util.Map.of(group.chatId, new AccessPolicy.GroupRule(false, List.of(alice.openId()))));
        access.save(policy);
        DaemonOptions options = DaemonOptions.of(config, BuildInfo.version())
                .withHttpPort(httpPort)
                .withStore(store);
        return Daemon.start(machine == null ? options : options.withMachine(machine));
    }
}
