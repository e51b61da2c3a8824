package dev.larkhandoff.server.proxy;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.config.SessionIdentity;
import dev.larkhandoff.server.ipc.DaemonClient;
import dev.larkhandoff.server.ipc.FrameDecoder;
import dev.larkhandoff.server.ipc.IpcConnection;
import dev.larkhandoff.server.ipc.IpcMessage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The MCP stdio server an agent launches, as a relay: the daemon hosts the MCP session, and this process passes the
 * agent's lines to it and writes the daemon's lines to stdout, whole, one at a time. It keeps the promises a stdio
 * server makes: a channel notification is acknowledged only after its line reached stdout, and one already written is
 * never written again however often the daemon replays it; a request the daemon does not answer in time, or that was
 * in flight when the daemon went away, gets an error at once; after a daemon restart the session is registered again
 * under its id and the client's {@code initialize} replayed to the new daemon (its answer is not shown twice). Ends
 * when stdin ends.
 */
public final class StdioRelay {

    private static final Logger log = LoggerFactory.getLogger(StdioRelay.class);
    private static final int REMEMBERED = 10_000;
    /** A waiting tool's longest timeout, and the default of the longest-waiting tool (the handoff loop's). */
    private static final long MAX_WAIT_SECONDS = 3_600;

    private static final long DEFAULT_WAIT_SECONDS = 600;
    /** Time for the daemon to answer once a wait has ended: Lark calls with their retries fit well within it. */
    private static final long DEADLINE_MARGIN_SECONDS = 90;

    private static final String REPLAY_PREFIX = "lark-handoff-replay-";
    /** The longest the relay lingers at the end of stdin for answers still on their way. */
    private static final long DRAIN_MILLIS = 150;
    /** How long after the last line sent the daemon may still answer it (unparseable lines are not tracked). */
    private static final long QUIET_MILLIS = 100;

    private volatile long lastSent = System.nanoTime() - QUIET_MILLIS * 1_000_000L;

    private final LineAtomicOutput stdout;
    private final DaemonLink link;
    private final Object writtenLock = new Object();
    /** The event ids of channel notifications written, oldest first (guarded by writtenLock). */
    private final Set<String> written = new LinkedHashSet<>();
    /** Requests sent to the daemon and not answered yet, by the JSON text of their id. */
    private final Map<String, Pending> inFlight = new ConcurrentHashMap<>();
    /** Ids of replayed {@code initialize} requests, whose answers the client must not see. */
    private final Set<String> replayed = ConcurrentHashMap.newKeySet();

    private final AtomicLong replays = new AtomicLong();

    private volatile String initializeLine;
    private volatile String initializedLine;

    /** A request on its way: what it asked, and until when (monotonic nanos) the daemon has to answer. */
    private record Pending(JsonNode id, String method, String tool, long deadline) {}

    private StdioRelay(OutputStream out, Path home, SessionIdentity identity, String version, Duration startTimeout) {
        this.stdout = new LineAtomicOutput(out);
        this.link = new DaemonLink(
                home,
                identity,
                version,
                new DaemonLauncher(home, startTimeout),
                this::fromDaemon,
                this::replayHandshake,
                this::daemonLost);
    }

    /** Serves one MCP session on {@code in}/{@code out} until {@code in} ends; connects to (or starts) the daemon first. */
    public static void run(
            InputStream in,
            OutputStream out,
            Path home,
            SessionIdentity identity,
            String version,
            Duration startTimeout)
            throws IOException {
        StdioRelay relay = new StdioRelay(out, home, identity, version, startTimeout);
        relay.link.connect();
        Thread deadlines = new Thread(relay::watchDeadlines, "relay-deadlines");
        deadlines.setDaemon(true);
        deadlines.start();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    relay.fromAgent(line);
                }
            }
        } catch (IOException e) {
            log.debug("stdin closed: {}", e.getMessage());
        } finally {
            relay.drain();
            relay.link.close();
        }
    }

    /**
     * At the end of stdin, a moment for the daemon to answer what was just sent (a parse error, a quick call), never
     * longer than {@link #DRAIN_MILLIS}: the relay must be gone promptly once its client closes.
     */
    private void drain() {
        long deadline = System.nanoTime() + DRAIN_MILLIS * 1_000_000L;
        while (System.nanoTime() < deadline
                && (!inFlight.isEmpty() || System.nanoTime() - lastSent < QUIET_MILLIS * 1_000_000L)) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One line of the agent's: noted if it is a request or the handshake, then passed to the daemon. */
    private void fromAgent(String line) {
        JsonNode message = parse(line);
        String method = message == null ? "" : message.path("method").asString("");
        JsonNode id = message == null ? null : message.get("id");
        boolean request = !method.isEmpty() && id != null && (id.isString() || id.isIntegralNumber());
        if ("initialize".equals(method) && request) {
            initializeLine = line;
        } else if ("notifications/initialized".equals(method)) {
            initializedLine = line;
        }
        if (request) {
            String tool = "tools/call".equals(method)
                    ? message.path("params").path("name").asString("")
                    : null;
            long seconds =
                    deadlineSeconds(message.path("params").path("arguments").path("timeout_seconds"));
            inFlight.put(id.toString(), new Pending(id, method, tool, System.nanoTime() + seconds * 1_000_000_000L));
        }
        lastSent = System.nanoTime();
        IpcConnection.Sent sent = link.send(line);
        if (sent == IpcConnection.Sent.TOO_LARGE) {
            // Over the daemon socket's frame: refused here, as any line the session cannot take, and it goes on.
            if (request) {
                inFlight.remove(id.toString());
            }
            String problem = "Invalid Request: line of " + line.length() + " characters exceeds the limit of "
                    + FrameDecoder.DEFAULT_MAX_FRAME / (1024 * 1024) + " MiB";
            log.warn("refused a stdin line: {}", problem);
            ObjectNode error = ServerJson.mapper().createObjectNode().put("jsonrpc", "2.0");
            if (request) {
                error.set("id", id);
            } else {
                error.putNull("id");
            }
            error.putObject("error").put("code", -32600).put("message", problem);
            write(error.toString());
        } else if (sent == IpcConnection.Sent.CLOSED && request && inFlight.remove(id.toString()) != null) {
            String why = link.reconnectFailure();
            answerError(
                    new Pending(id, method, message.path("params").path("name").asString(""), 0),
                    "the lark-handoff daemon is not connected (reconnecting now); call it again shortly"
                            + (why == null ? "" : ". Last attempt: " + why));
        }
    }

    /** How long the daemon has to answer: a waiting tool's own timeout plus a margin, else a few minutes. */
    static long deadlineSeconds(JsonNode timeout) {
        long own = timeout != null && timeout.isNumber() && timeout.asDouble() >= 0
                ? Math.min(timeout.asLong(), MAX_WAIT_SECONDS)
                : DEFAULT_WAIT_SECONDS;
        return own + DEADLINE_MARGIN_SECONDS;
    }

    /** One line of the daemon's, written to stdout and then settled as it asks. */
    private void fromDaemon(DaemonClient from, IpcMessage.McpOut out) {
        if (out.ack() != null) {
            synchronized (writtenLock) {
                if (!written.contains(out.ack())) {
                    if (!write(out.line())) {
                        return; // stays pending in the daemon, which sends it again
                    }
                    written.add(out.ack());
                    if (written.size() > REMEMBERED) {
                        var it = written.iterator();
                        it.next();
                        it.remove();
                    }
                }
            }
            // Written now or before (the earlier ack was lost): either way the agent has it.
            from.ack(out.ack());
            return;
        }
        String answered = responseId(out.line());
        if (answered != null && replayed.remove(answered)) {
            return; // the new daemon's answer to a replayed initialize: the client had its own long ago
        }
        boolean reached = write(out.line());
        if (answered != null) {
            inFlight.remove(answered);
        }
        if (out.receipt() != null) {
            from.settle(out.receipt(), reached);
        }
    }

    /** The daemon went away: every request it had not answered gets an error now, never a silent wait. */
    private void daemonLost() {
        for (var it = inFlight.values().iterator(); it.hasNext(); ) {
            Pending p = it.next();
            it.remove();
            answerError(
                    p,
                    "the connection to the lark-handoff daemon closed while this call was in flight; it was not"
                            + " retried, call it again");
        }
    }

    /** On a new daemon, the session is as the client left it: its initialize and initialized are replayed first. */
    private void replayHandshake(DaemonClient client) {
        String init = initializeLine;
        if (init == null) {
            return;
        }
        String replayId = REPLAY_PREFIX + replays.incrementAndGet();
        ObjectNode again = (ObjectNode) parse(init);
        again.put("id", replayId);
        replayed.add(ServerJson.mapper().writeValueAsString(replayId));
        client.relayLine(again.toString());
        String done = initializedLine;
        if (done != null) {
            client.relayLine(done);
        }
    }

    /** Answers requests the daemon did not answer within their deadline, and tells it to stop them. */
    private void watchDeadlines() {
        while (true) {
            try {
                Thread.sleep(1_000);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (var e : inFlight.entrySet()) {
                Pending p = e.getValue();
                if (now - p.deadline() > 0 && inFlight.remove(e.getKey(), p)) {
                    ObjectNode cancel = ServerJson.mapper()
                            .createObjectNode()
                            .put("jsonrpc", "2.0")
                            .put("method", "notifications/cancelled");
                    cancel.putObject("params").set("requestId", p.id());
                    link.send(cancel.toString());
                    answerError(
                            p,
                            "the lark-handoff daemon did not answer in time; the call was cancelled there."
                                    + " Call it again.");
                }
            }
        }
    }

    /** A tool call gets a tool error (the agent reads it); any other request a JSON-RPC error. */
    private void answerError(Pending p, String text) {
        ObjectNode reply = ServerJson.mapper().createObjectNode().put("jsonrpc", "2.0");
        reply.set("id", p.id());
        if ("tools/call".equals(p.method())) {
            ObjectNode result = reply.putObject("result");
            result.putArray("content").addObject().put("type", "text").put("text", text);
            result.put("isError", true);
        } else {
            reply.putObject("error").put("code", -32603).put("message", text);
        }
        write(reply.toString());
    }

    private boolean write(String line) {
        try {
            stdout.writeLine(line);
            return true;
        } catch (IOException e) {
            log.warn("could not write to stdout: {}", e.getMessage());
            return false;
        }
    }

    /** The JSON text of the id a response line answers, or null when the line is no response. */
    private static String responseId(String line) {
        JsonNode message = parse(line);
        if (message == null || message.has("method") || !(message.has("result") || message.has("error"))) {
            return null;
        }
        JsonNode id = message.get("id");
        return id == null || id.isNull() ? null : id.toString();
    }

    private static JsonNode parse(String line) {
        try {
            JsonNode node = ServerJson.mapper().readTree(line);
            return node != null && node.isObject() ? node : null;
        } catch (JacksonException e) {
            return null;
        }
    }
}
