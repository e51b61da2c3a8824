package dev.larkhandoff.bench;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.handoff.HandoffTools;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import tools.jackson.databind.JsonNode;

/**
 * The agent of LoopBench, on a thread of its own: it answers each reply at once (or after the think time it is
 * given), always through {@code send_and_wait}, so call {@code n} posts {@code answer n} and returns the operator's
 * {@code q n}. It stops after the operator's {@link #BYE}, handing the conversation back.
 */
final class LoopAgent implements Runnable {

    static final String BYE = "bye";
    /** Longer than any wait of the loop; the proxy's SDK client gives up after 30 s in any case. */
    static final int WAIT_SECONDS = 60;

    /** {@link System#nanoTime} just before call {@code n} of {@code send_and_wait}, and as it returned. */
    final AtomicLongArray callAt;

    final AtomicLongArray returnAt;
    private final McpSyncClient client;
    /** How long the agent takes over each answer before it calls again; the operator thread sets it. */
    private volatile long thinkNanos;

    private volatile Throwable failure;

    LoopAgent(McpSyncClient client, int capacity) {
        this.client = client;
        this.callAt = new AtomicLongArray(capacity);
        this.returnAt = new AtomicLongArray(capacity);
    }

    static String answer(int n) {
        return "answer " + n;
    }

    static String question(int n) {
        return "q " + n;
    }

    /** Whether a bot message's content (the card's JSON) carries {@code answer n}, not a longer number. */
    static boolean isAnswer(String content, int n) {
        String answer = answer(n);
        for (int i = content.indexOf(answer); i >= 0; i = content.indexOf(answer, i + 1)) {
            int after = i + answer.length();
            if (after == content.length() || !Character.isDigit(content.charAt(after))) {
                return true;
            }
        }
        return false;
    }

    void think(Duration think) {
        thinkNanos = think.toNanos();
    }

    /** Why the agent stopped early, or null. */
    Throwable failure() {
        return failure;
    }

    @Override
    public void run() {
        try {
            for (int n = 0; n < callAt.length(); n++) {
                McpSchema.CallToolRequest request = new McpSchema.CallToolRequest(
                        HandoffTools.SEND_AND_WAIT, Map.of("message", answer(n), "timeout_seconds", WAIT_SECONDS));
                if (n > 0) {
                    long until = returnAt.get(n - 1) + thinkNanos;
                    for (long left; (left = until - System.nanoTime()) > 0; ) {
                        LockSupport.parkNanos(left);
                    }
                }
                callAt.set(n, System.nanoTime());
                McpSchema.CallToolResult result = client.callTool(request);
                returnAt.set(n, System.nanoTime());
                String text = onlyReply(result);
                if (BYE.equals(text)) {
                    HandoffRig.text(client.callTool(
                            new McpSchema.CallToolRequest(HandoffTools.END, Map.of("message", "bench over"))));
                    return;
                }
                if (!question(n).equals(text)) {
                    throw new IllegalStateException(
                            "send_and_wait " + n + " returned '" + text + "', expected '" + question(n) + "'");
                }
            }
            throw new IllegalStateException("more rounds than the agent has room for");
        } catch (Throwable e) {
            failure = e;
        }
    }

    /** The text of the one reply a {@code send_and_wait} returned; anything else (a timeout, two replies) fails. */
    private static String onlyReply(McpSchema.CallToolResult result) {
        JsonNode json = ServerJson.mapper().readTree(HandoffRig.text(result));
        JsonNode replies = json.path("replies");
        if (replies.size() != 1) {
            throw new IllegalStateException("send_and_wait did not return exactly one reply: " + json);
        }
        return replies.get(0).path("text").asString();
    }
}
