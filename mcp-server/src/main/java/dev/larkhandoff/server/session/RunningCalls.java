package dev.larkhandoff.server.session;

import dev.larkhandoff.server.tool.Cancellation;
import dev.larkhandoff.server.tool.ToolResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tool calls running in the daemon, each tied to the link it came on (a socket connection, an HTTP MCP session)
 * and its request id. A call stops taking messages once it is cancelled: by the client's cancel, by its link
 * closing, or by a newer wait of the same session on another link (a proxy killed and restarted under the same
 * session id, an HTTP client that reconnected). A cancelled call's result is dropped, so whatever it held is
 * handed out again.
 */
public final class RunningCalls {

    private static final Logger log = LoggerFactory.getLogger(RunningCalls.class);
    /** The calls that wait for messages: only one of them per session is listened to at a time. */
    private static final Set<String> WAITS = Set.of("wait_for_reply", "send_and_wait");

    private record Key(SessionLink link, String requestId) {}

    private static final class Running {
        final String sessionId;
        final String tool;
        final AtomicBoolean cancelled = new AtomicBoolean();

        Running(String sessionId, String tool) {
            this.sessionId = sessionId;
            this.tool = tool;
        }
    }

    private final Map<Key, Running> running = new ConcurrentHashMap<>();

    /**
     * Runs {@code body} on {@code runner} and gives its result to {@code onResult} (on the runner's thread). A call
     * cancelled before it finished gets an error result instead, and the real result's receipt is dropped.
     */
    public void start(
            ExecutorService runner,
            SessionLink link,
            String requestId,
            String sessionId,
            String tool,
            Supplier<ToolResult> body,
            Consumer<ToolResult> onResult) {
        Key key = new Key(link, requestId);
        Running call = new Running(sessionId, tool);
        if (sessionId != null && WAITS.contains(tool)) {
            supersede(sessionId, link);
        }
        running.put(key, call);
        try {
            runner.execute(() -> onResult.accept(run(key, call, body)));
        } catch (RejectedExecutionException e) {
            running.remove(key, call);
            onResult.accept(ToolResult.error(tool + " was not run: the lark-handoff daemon is shutting down"));
        }
    }

    /** Runs {@code body} on the caller's thread (a front that blocks per request anyway), tied like {@link #start}. */
    public ToolResult call(
            SessionLink link, String requestId, String sessionId, String tool, Supplier<ToolResult> body) {
        Key key = new Key(link, requestId);
        Running call = new Running(sessionId, tool);
        if (sessionId != null && WAITS.contains(tool)) {
            supersede(sessionId, link);
        }
        running.put(key, call);
        return run(key, call, body);
    }

    private ToolResult run(Key key, Running call, Supplier<ToolResult> body) {
        ToolResult result;
        try {
            result = Cancellation.run(call.cancelled::get, body);
        } catch (RuntimeException e) {
            result = ToolResult.error(call.tool + " failed: " + e.getMessage());
        } finally {
            running.remove(key, call);
        }
        if (call.cancelled.get()) {
            result.receipt().dropped();
            return ToolResult.error(call.tool + " was cancelled; nothing it found was consumed");
        }
        return result;
    }

    /** The client cancelled one request. */
    public void cancel(SessionLink link, String requestId) {
        Running call = running.get(new Key(link, requestId));
        if (call != null && call.cancelled.compareAndSet(false, true)) {
            log.debug("{} on {} cancelled by its client", call.tool, link.name());
        }
    }

    /** The link closed: nothing running for it has anyone to answer to. */
    public void cancelAll(SessionLink link) {
        for (var e : running.entrySet()) {
            if (e.getKey().link() == link && e.getValue().cancelled.compareAndSet(false, true)) {
                log.debug("{} on {} cancelled: its connection closed", e.getValue().tool, link.name());
            }
        }
    }

    /** A session waits again on another link: its older waits were orphaned by a client that went away. */
    private void supersede(String sessionId, SessionLink current) {
        List<Running> orphans = new ArrayList<>();
        running.forEach((k, v) -> {
            if (k.link() != current && sessionId.equals(v.sessionId) && WAITS.contains(v.tool)) {
                orphans.add(v);
            }
        });
        orphans.forEach(o -> {
            if (o.cancelled.compareAndSet(false, true)) {
                log.info(
                        "an earlier {} of {} was cancelled: the session waits again on a new connection",
                        o.tool,
                        sessionId);
            }
        });
    }

    /** How many calls run now (for tests and status). */
    public int size() {
        return running.size();
    }
}
