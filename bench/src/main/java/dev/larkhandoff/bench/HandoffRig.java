package dev.larkhandoff.bench;

import dev.larkhandoff.emulator.EmulatorOptions;
import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.daemon.HttpEndpointFile;
import dev.larkhandoff.server.handoff.HandoffTools;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * What LoopBench and HookBench set up alike and end alike: the emulator as Lark with Alice as the operator, a home
 * whose config names her by email, one agent session's stdio proxy started through the repository's launcher, and
 * the daemon that proxy spawned. {@link #close} ends every process of it, also after a failure.
 */
final class HandoffRig {

    static final String OPERATOR_EMAIL = "alice@example.com";

    final Path launcher;
    /** The temp directory of the run: the home, logs and whatever else the harness puts there; deleted at the end. */
    final Path base;

    final Path home;
    final LarkEmulator emulator;
    final EmulatorControl control;
    final EmuUser alice;
    private final String harness;
    private volatile ProxyProcess proxy;
    private volatile long daemonPid = -1;
    private String proxyCommand;
    private String daemonCommand;
    private boolean closed;

    /** {@code tempPrefix} is short: the daemon's Unix socket lives in the home, and socket paths are ~100 bytes. */
    HandoffRig(String harness, Path launcher, String tempPrefix) throws IOException {
        this.harness = harness;
        this.launcher = launcher.toAbsolutePath().normalize();
        this.base = Files.createTempDirectory(tempPrefix);
        this.home = base.resolve("home");
        // No rate limits in the emulator (they are off by default; said here so nobody wonders): the daemon's own
        // Lark client paces its calls at Lark's limits anyway, and that pacing is part of what is measured.
        this.emulator =
                LarkEmulator.start(EmulatorOptions.defaults().withPort(0).withRateLimits(0, 0), null, null);
        this.control = emulator.control();
        this.alice = control.addUser("Alice", OPERATOR_EMAIL);
    }

    /**
     * Writes the home's config (the operator by email), starts the proxy of session {@code sessionId} with
     * {@code CLAUDE_PROJECT_DIR=projectDir} (it spawns the daemon) and waits for the daemon's long connection.
     */
    void start(String sessionId, Path projectDir, ProxyProcess.ChannelSink sink)
            throws IOException, InterruptedException {
        Files.createDirectories(home);
        new LarkHandoffConfig(home, emulator.app().appId(), emulator.app().appSecret(), emulator.baseUrl())
                .withOperatorEmail(OPERATOR_EMAIL)
                .save();
        proxy = ProxyProcess.start(
                launcher, home, projectDir, sessionId, "session", base.resolve("proxy.stderr"), sink);
        daemonPid = DaemonProcesses.awaitDaemon(home);
        proxyCommand = DaemonProcesses.commandLine(proxy.pid(), home, launcher.getParent());
        daemonCommand = DaemonProcesses.commandLine(daemonPid, home, launcher.getParent());
        awaitLongConnection();
    }

    ProxyProcess proxy() {
        return proxy;
    }

    long daemonPid() {
        return daemonPid;
    }

    /** The proxy's command line as /proc shows it, the checkout and the home made relative. */
    String proxyCommand() {
        return proxyCommand;
    }

    String daemonCommand() {
        return daemonCommand;
    }

    /** Calls one of the daemon's tools through the proxy and returns its JSON answer; an error result fails. */
    JsonNode call(String tool, Map<String, Object> arguments) {
        return ServerJson.mapper()
                .readTree(text(proxy.client().callTool(new McpSchema.CallToolRequest(tool, arguments))));
    }

    /** {@code handoff_start} in a new group (Alice invited, bound to the session); returns the group's chat id. */
    String startHandoff(String model, String tool) {
        JsonNode started = call(HandoffTools.START, Map.of("model", model, "tool", tool, "mode", "new"));
        if (!"started".equals(started.path("status").asString())) {
            throw new IllegalStateException("handoff_start did not start: " + started);
        }
        return started.path("chat_id").asString();
    }

    /** The text of a tool's result; an error result, or one without text, fails. */
    static String text(McpSchema.CallToolResult result) {
        if (Boolean.TRUE.equals(result.isError())
                || result.content().isEmpty()
                || !(result.content().get(0) instanceof McpSchema.TextContent text)) {
            throw new IllegalStateException("the tool failed: " + result);
        }
        return text.text();
    }

    /**
     * CPU seconds of the processes this run started: the proxy and the daemon (both still running when the section
     * is written), and every child of this JVM that has ended (the kernel adds a child's CPU, and that of the
     * children it waited for, to its parent's once the parent has waited for it, as the JVM does for each).
     */
    double childrenCpuSeconds() {
        double cpu = endedChildrenCpuSeconds();
        ProxyProcess p = proxy;
        for (long pid : new long[] {daemonPid, p == null ? -1 : p.pid()}) {
            double c = pid < 0 ? Double.NaN : DaemonProcesses.cpuSeconds(pid);
            if (!Double.isNaN(c)) {
                cpu += c;
            }
        }
        return cpu;
    }

    /** cutime + cstime of this JVM (/proc/self/stat, ticks of 1/100 s): the CPU of its children that have ended. */
    static double endedChildrenCpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private void awaitLongConnection() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (emulator.gateway().liveConnections(emulator.app().appId()) == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the daemon did not open the long connection within 20 s");
            }
            Thread.sleep(20);
        }
    }

    /** Ends everything this run started: the proxy, every daemon of a home under the base, Lark, the files. */
    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (proxy != null) {
            proxy.close();
        }
        DaemonProcesses.stop(DaemonProcesses.daemons(h -> h.startsWith(base.toString())), harness);
        try {
            emulator.close();
        } catch (RuntimeException ignored) {
            // best effort
        }
        DaemonProcesses.deleteTree(base, harness);
    }

    /** After a failure: the tail of the proxy's stderr and of the daemon's logs. */
    /**
     * Waits until the daemon wrote http.json and hooks.curlrc, which it does once its HTTP front listens: what the
     * plugins' hooks need to reach it.
     */
    void awaitHookFiles() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.isReadable(home.resolve(HttpEndpointFile.FILE_NAME))
                || !Files.isReadable(home.resolve(HttpEndpointFile.CURL_CONFIG))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the daemon wrote no " + HttpEndpointFile.FILE_NAME + " and "
                        + HttpEndpointFile.CURL_CONFIG + " in " + home + " within 10 s");
            }
            Thread.sleep(20);
        }
    }

    void printLogs() {
        DaemonProcesses.printLogs(base, harness);
    }
}
