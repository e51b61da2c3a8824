package dev.larkhandoff.server.cli;

import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.config.StoreSettings;
import dev.larkhandoff.server.daemon.Daemon;
import dev.larkhandoff.server.daemon.DaemonOptions;
import dev.larkhandoff.server.workspace.MachineName;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lark-handoff daemon}: runs the daemon in the foreground until SIGTERM (proxies start it detached). */
@Command(name = "daemon", description = "Run the daemon for a home (normally started by the first stdio proxy).")
final class DaemonCommand implements Callable<Integer> {

    /** Exit status when another daemon already serves the home: not a failure, there is one daemon. */
    static final int ALREADY_RUNNING = 3;

    @Mixin
    HomeOption home;

    @Option(
            names = "--http-port",
            defaultValue = "0",
            description =
                    "Port of the HTTP MCP front on 127.0.0.1 (0 = any free port; the URL is in <home>/http.json).")
    int httpPort;

    @Option(names = "--no-http", description = "Serve the socket only.")
    boolean noHttp;

    @Option(names = "--log-stderr", description = "Log to stderr instead of <home>/logs.")
    boolean logToStderr;

    @Option(
            names = "--advertise-version",
            hidden = true,
            description = "Claim another version in hello (to exercise upgrades of a running daemon).")
    String advertisedVersion;

    @Override
    public Integer call() throws Exception {
        LarkHandoffConfig config = home.config();
        if (!logToStderr) {
            LogSetup.daemonToFile(config.home());
        }
        Logger log = LoggerFactory.getLogger(DaemonCommand.class);
        DaemonOptions options = DaemonOptions.of(
                        config, advertisedVersion == null ? BuildInfo.version() : advertisedVersion)
                .withHttpPort(httpPort)
                .withMachine(MachineName.of(Main.ENV));
        try {
            options = options.withStore(StoreSettings.load(Main.ENV, config.home()));
        } catch (IllegalArgumentException e) {
            log.error("cannot use the configured store: {}", e.getMessage());
            System.err.println("cannot use the configured store: " + e.getMessage());
            return 2;
        }
        var timeout = Main.ENV.get(Environment.PERMISSION_TIMEOUT);
        if (timeout.isPresent()) {
            try {
                options = options.withPermissionTimeout(java.time.Duration.ofSeconds(Long.parseLong(timeout.get())));
            } catch (NumberFormatException e) {
                System.err.println(
                        Environment.PERMISSION_TIMEOUT + " must be a number of seconds, got: " + timeout.get());
                return 2;
            }
        }
        Daemon daemon;
        try {
            daemon = Daemon.start(noHttp ? options.withoutHttp() : options);
        } catch (Daemon.AlreadyRunning e) {
            log.info(e.getMessage());
            System.err.println(e.getMessage());
            return ALREADY_RUNNING;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            daemon.close();
                            stopped.countDown();
                        },
                        "daemon-shutdown"));
        daemon.onShutdownRequested(() -> System.exit(0));
        stopped.await();
        return 0;
    }
}
