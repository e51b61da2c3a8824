package dev.larkhandoff.lark.http;

import dev.larkhandoff.lark.LarkException;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Mono;

/** Keeps calls inside Lark's per-app (50/s) and per-chat send (5/s) limits, waiting a bounded time for a permit. */
public final class SendLimiter {

    private static final int MAX_IDLE_CHATS = 10_000;
    /**
     * Calls are spaced 5% wider than the limit, one at a time: Lark counts in fixed one-second windows, and
     * the margin absorbs network jitter so a window never sees one call too many.
     */
    private static final double MARGIN = 0.95;
    private static final long IDLE_NANOS = Duration.ofMinutes(1).toNanos();

    private final Clock clock;
    private final int perChat;
    private final TokenBucket app;
    private final Map<String, TokenBucket> chats = new ConcurrentHashMap<>();
    private final Duration maxWait;

    public SendLimiter(Clock clock, int perChat, int perApp, Duration maxWait) {
        this.clock = clock;
        this.perChat = perChat;
        this.app = new TokenBucket(clock, perApp * MARGIN, 1);
        this.maxWait = maxWait;
    }

    /** Completes when the call may go; errors with {@link LarkException#CLIENT_LIMIT} if that is beyond the bound. */
    public Mono<Void> acquire(String chatId, String context) {
        Duration waitApp = app.reserve(maxWait);
        if (waitApp == null) {
            return Mono.error(LarkException.clientLimit(
                    "per-app rate limit would need a wait longer than " + maxWait.toSeconds() + " s", context));
        }
        Duration waitChat = Duration.ZERO;
        if (chatId != null) {
            evictIdleIfCrowded();
            waitChat = chats.computeIfAbsent(chatId, id -> new TokenBucket(clock, perChat * MARGIN, 1)).reserve(maxWait);
            if (waitChat == null) {
                return Mono.error(LarkException.clientLimit("per-chat send limit (" + perChat
                        + "/s) would need a wait longer than " + maxWait.toSeconds() + " s", context));
            }
        }
        Duration wait = waitApp.compareTo(waitChat) >= 0 ? waitApp : waitChat;
        return wait.isZero() ? Mono.empty() : Mono.delay(wait).then();
    }

    private void evictIdleIfCrowded() {
        if (chats.size() < MAX_IDLE_CHATS) {
            return;
        }
        var now = clock.instant();
        long nowNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        for (Iterator<TokenBucket> it = chats.values().iterator(); it.hasNext(); ) {
            if (nowNanos - it.next().lastActivityNanos() > IDLE_NANOS) {
                it.remove();
            }
        }
    }
}
