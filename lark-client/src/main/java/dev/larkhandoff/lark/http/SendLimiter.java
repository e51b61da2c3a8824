package dev.larkhandoff.lark.http;

import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.http.internal.TokenBucket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import reactor.core.publisher.Mono;

/**
 * Keeps calls inside Lark's per-app (50/s) and per-chat send (5/s) limits. A call takes its chat's next slot
 * and the app's next slot at or after it, both at once, or neither when the wait would exceed the bound.
 *
 * <p>A spare call (the "received" reaction: nice to have, worth nothing late) has a budget of its own, a tenth of the
 * app limit that other calls never use and it never exceeds: it goes if a slot of that budget is free within
 * {@link #SPARE_MAX_WAIT}, and is dropped otherwise (counted), so a burst of them never stands between a reply and
 * Lark, and never queues for long itself.
 */
public final class SendLimiter {

    /**
     * Calls are spaced 5% wider than the limit: Lark counts in fixed one-second windows, and the margin absorbs
     * network jitter so a window never sees one call too many.
     */
    private static final double MARGIN = 0.95;

    private static final int MAX_CHATS_BEFORE_EVICTION = 10_000;

    /** The share of the app limit kept for spare calls; the other calls pace themselves within the rest. */
    static final double SPARE_SHARE = 0.1;

    /** The longest a spare call may wait for its slot; one that would wait longer is dropped. */
    public static final Duration SPARE_MAX_WAIT = Duration.ofSeconds(1);

    /** How many calls wait for their slot now, apart: a spare call never books a slot of the others. */
    public record Backlog(int calls, int spareCalls) {}

    private final LongSupplier ticker;
    private final double perChat;
    private final double perApp;
    private int sharers = 1;
    private final TokenBucket app;
    private final TokenBucket spare;
    private final Map<String, TokenBucket> chats = new HashMap<>();
    private final Duration maxWait;
    private final AtomicLong spareDropped = new AtomicLong();

    /** @param ticker monotonic nanoseconds ({@code System::nanoTime} outside tests) */
    public SendLimiter(LongSupplier ticker, int perChat, int perApp, Duration maxWait) {
        this.ticker = ticker;
        this.perChat = perChat * MARGIN;
        this.perApp = perApp * MARGIN;
        this.app = new TokenBucket(ticker, this.perApp * (1 - SPARE_SHARE));
        this.spare = new TokenBucket(ticker, this.perApp * SPARE_SHARE);
        this.maxWait = maxWait;
    }

    /**
     * Shares the per-app limit with other processes of the same app (the daemons of one team): this one keeps
     * {@code 1/sharers} of it from now on. Lark counts the limit per app, not per connection, so two daemons that
     * each paced themselves at the full rate would exceed it together. The per-chat limit is not divided: a chat
     * is written by the daemon of the session that holds it.
     */
    public synchronized void shareAppLimit(int sharers) {
        int n = Math.max(1, sharers);
        if (n != this.sharers) {
            this.sharers = n;
            app.rate(perApp * (1 - SPARE_SHARE) / n);
            spare.rate(perApp * SPARE_SHARE / n);
        }
    }

    /** How many processes share the per-app limit now (1 alone). */
    public synchronized int appLimitSharers() {
        return sharers;
    }

    /**
     * Completes when the call may go. Nothing is reserved until subscription, so every subscription (a retry
     * included) takes its own slot. Errors with {@link LarkException#CLIENT_LIMIT} when the wait would be
     * beyond the bound.
     */
    public Mono<Void> acquire(String chatId, String context) {
        return Mono.defer(() -> {
            long waitNanos = reserve(chatId);
            if (waitNanos < 0) {
                return Mono.error(LarkException.clientLimit(
                        (chatId == null
                                        ? "per-app rate limit"
                                        : "per-chat send limit (" + Math.round(perChat / MARGIN) + "/s)")
                                + " would need a wait longer than " + maxWait.toSeconds() + " s",
                        context));
            }
            return waitNanos == 0
                    ? Mono.empty()
                    : Mono.delay(Duration.ofNanos(waitNanos)).then();
        });
    }

    /**
     * Completes when the spare call may go (within {@link #SPARE_MAX_WAIT}); errors at once with
     * {@link LarkException#DROPPED} when the spare budget has no slot that soon. Nothing is reserved until
     * subscription.
     */
    public Mono<Void> acquireSpare(String context) {
        return Mono.defer(() -> {
            long waitNanos = reserveSpare();
            if (waitNanos < 0) {
                return Mono.error(LarkException.dropped(
                        "the spare budget of the per-app rate limit is spent for the next " + SPARE_MAX_WAIT.toMillis()
                                + " ms",
                        context));
            }
            return waitNanos == 0
                    ? Mono.empty()
                    : Mono.delay(Duration.ofNanos(waitNanos)).then();
        });
    }

    /** @return nanoseconds to wait, or -1 when the call is dropped (counted, and nothing was taken) */
    synchronized long reserveSpare() {
        long now = ticker.getAsLong();
        long at = spare.earliest(now);
        if (at - now > SPARE_MAX_WAIT.toNanos()) {
            spareDropped.incrementAndGet();
            return -1;
        }
        spare.take(at);
        return at - now;
    }

    /** How many spare calls were dropped since the start. */
    public long spareDropped() {
        return spareDropped.get();
    }

    /** What waits for a slot now: other calls for the app's, spare calls for their own. */
    public synchronized Backlog backlog() {
        long now = ticker.getAsLong();
        return new Backlog(app.bookedAfter(now), spare.bookedAfter(now));
    }

    /** @return nanoseconds to wait, or -1 when that would be beyond the bound (and nothing was taken) */
    synchronized long reserve(String chatId) {
        long now = ticker.getAsLong();
        TokenBucket chat = null;
        if (chatId != null) {
            evictIdleIfCrowded(now);
            chat = chats.computeIfAbsent(chatId, id -> new TokenBucket(ticker, perChat));
        }
        // The call starts when both its chat and the app have a slot: look for a time that suits both.
        long at = chat == null ? app.earliest(now) : chat.earliest(now);
        for (int round = 0; chat != null && round < 1000; round++) {
            long appAt = app.earliest(at);
            long chatAt = chat.earliest(appAt);
            if (chatAt == appAt) {
                break;
            }
            at = chatAt;
        }
        at = app.earliest(at);
        if (at - now > maxWait.toNanos()) {
            return -1;
        }
        app.take(at);
        if (chat != null) {
            chat.take(at);
        }
        return at - now;
    }

    private void evictIdleIfCrowded(long now) {
        if (chats.size() < MAX_CHATS_BEFORE_EVICTION) {
            return;
        }
        for (Iterator<TokenBucket> it = chats.values().iterator(); it.hasNext(); ) {
            if (it.next().idleAt(now)) {
                it.remove();
            }
        }
    }
}
