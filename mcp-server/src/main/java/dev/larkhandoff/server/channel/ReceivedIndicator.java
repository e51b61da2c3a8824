package dev.larkhandoff.server.channel;

import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.im.MessageApi;
import dev.larkhandoff.lark.im.Reaction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "received" reaction: a message delivered to an agent gets one emoji, so people in the chat see it arrived,
 * and the agent's next reply in that chat takes it off again. At most one reaction per message: a duplicate
 * delivery, an add still in flight and a message already cleared (a tombstone) all add nothing. Lark is called
 * asynchronously, so no method blocks; reaction failures are logged and never fail anything. Thread-safe.
 *
 * <p>A reaction is a spare call ({@link MessageApi#addReactionIfSpare}): it has a small budget of its own within the
 * app's rate limit, so however many messages arrive it never makes a reply or a card wait, and beyond that budget it
 * is dropped, not queued. Drops are counted ({@link #dropped()}), said at debug once per run of drops, and warned
 * about at most once a minute.
 *
 * <p>State lives in memory only: after a daemon restart a leftover reaction stays on its message.
 */
public final class ReceivedIndicator {

    /** The emoji a received message gets, one picked at random. */
    public static final List<String> EMOJIS = List.of("GLANCE", "LGTM", "Typing", "OnIt");
    /** How many cleared message ids are remembered so that a late redelivery adds nothing. */
    public static final int TOMBSTONE_CAP = 1024;

    private static final Logger log = LoggerFactory.getLogger(ReceivedIndicator.class);
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final MessageApi messages;
    private final Random random;
    private final int tombstoneCap;
    private final Object lock = new Object();
    /** Messages that carry a reaction, or have one on the way; by message id. */
    private final Map<String, Mark> marks = new HashMap<>();
    /** Cleared message ids, oldest first. */
    private final Set<String> tombstones = new LinkedHashSet<>();

    private final LongSupplier ticker;
    /** Reactions dropped for the spare budget since the start. */
    private long dropped;
    /** Whether the last add was dropped: the next drop is then part of the same run, and not said again. */
    private boolean dropping;
    /** When the last warning about drops was logged ({@link #ticker} nanoseconds); none yet while null. */
    private Long warnedAt;

    /** A message's indicator: its chat, and its reaction id once Lark answered the add. */
    private static final class Mark {
        final String chatId;
        /** Null while the add is in flight. */
        String reactionId;
        /** A reply landed while the add was in flight: take the reaction off as soon as it is on. */
        boolean clearWhenAdded;
        /** Completes once the add is resolved and, if it was cleared meanwhile, removed again. */
        final CompletableFuture<Void> settled = new CompletableFuture<>();

        Mark(String chatId) {
            this.chatId = chatId;
        }
    }

    /** An indicator whose emoji {@code random} picks from {@link #EMOJIS}. */
    public ReceivedIndicator(MessageApi messages, Random random) {
        this(messages, random, TOMBSTONE_CAP);
    }

    ReceivedIndicator(MessageApi messages, Random random, int tombstoneCap) {
        this(messages, random, tombstoneCap, System::nanoTime);
    }

    /** @param ticker monotonic nanoseconds, for how often drops are warned about */
    ReceivedIndicator(MessageApi messages, Random random, int tombstoneCap, LongSupplier ticker) {
        this.messages = Objects.requireNonNull(messages, "messages");
        this.random = Objects.requireNonNull(random, "random");
        this.tombstoneCap = tombstoneCap;
        this.ticker = ticker;
    }

    /** How many reactions were dropped since the start because the spare budget was spent. */
    public long dropped() {
        synchronized (lock) {
            return dropped;
        }
    }

    /**
     * A message from {@code chatId} was delivered to an agent: react to it, unless it already has its indicator,
     * or had one that a reply cleared.
     *
     * @return completes (never exceptionally) once Lark answered, or at once when nothing was to be done
     */
    public CompletableFuture<Void> received(String chatId, String messageId) {
        Objects.requireNonNull(chatId, "chatId");
        Objects.requireNonNull(messageId, "messageId");
        Mark mark;
        String emoji;
        synchronized (lock) {
            if (marks.containsKey(messageId) || tombstones.contains(messageId)) {
                return CompletableFuture.completedFuture(null);
            }
            mark = new Mark(chatId);
            marks.put(messageId, mark);
            emoji = EMOJIS.get(random.nextInt(EMOJIS.size()));
        }
        try {
            messages.addReactionIfSpare(messageId, emoji)
                    .subscribe(
                            reaction -> added(messageId, mark, reaction),
                            failure -> addFailed(messageId, mark, failure));
        } catch (RuntimeException e) {
            addFailed(messageId, mark, e);
        }
        return mark.settled;
    }

    /**
     * A reply from the agent landed in {@code chatId}: take every indicator in that chat off, and remember those
     * messages so a late redelivery does not put one back.
     *
     * @return completes (never exceptionally) once every removal this caused is done, including removals that had
     *         to wait for an add still in flight
     */
    public CompletableFuture<Void> replied(String chatId) {
        Objects.requireNonNull(chatId, "chatId");
        List<CompletableFuture<Void>> work = new ArrayList<>();
        Map<String, String> removeNow = new HashMap<>();
        synchronized (lock) {
            for (Iterator<Map.Entry<String, Mark>> it = marks.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, Mark> entry = it.next();
                Mark mark = entry.getValue();
                if (!chatId.equals(mark.chatId)) {
                    continue;
                }
                tombstone(entry.getKey());
                if (mark.reactionId != null) {
                    it.remove();
                    removeNow.put(entry.getKey(), mark.reactionId);
                } else {
                    mark.clearWhenAdded = true;
                    work.add(mark.settled);
                }
            }
        }
        removeNow.forEach((messageId, reactionId) -> work.add(remove(messageId, reactionId)));
        return CompletableFuture.allOf(work.toArray(CompletableFuture[]::new));
    }

    private void added(String messageId, Mark mark, Reaction reaction) {
        String reactionId = reaction.reactionId();
        boolean clearNow;
        synchronized (lock) {
            dropping = false;
            clearNow = mark.clearWhenAdded;
            if (clearNow || reactionId == null) {
                marks.remove(messageId, mark);
            } else {
                mark.reactionId = reactionId;
            }
        }
        if (reactionId == null) {
            log.warn("Lark added the received reaction to {} without a reaction id; it cannot be removed", messageId);
            mark.settled.complete(null);
        } else if (clearNow) {
            remove(messageId, reactionId).whenComplete((ignored, e) -> mark.settled.complete(null));
        } else {
            mark.settled.complete(null);
        }
    }

    private void addFailed(String messageId, Mark mark, Throwable failure) {
        if (failure instanceof LarkException e && e.code() == LarkException.DROPPED) {
            dropped(messageId);
        } else {
            log.warn("could not add the received reaction to {}: {}", messageId, failure.toString());
        }
        synchronized (lock) {
            // Forgotten, so a redelivery may try again (unless a reply cleared it meanwhile: it is tombstoned).
            marks.remove(messageId, mark);
        }
        mark.settled.complete(null);
    }

    /** A drop is normal under load: said once per run of drops at debug, warned about at most once a minute. */
    private void dropped(String messageId) {
        boolean firstOfRun;
        boolean warn;
        long total;
        synchronized (lock) {
            total = ++dropped;
            firstOfRun = !dropping;
            dropping = true;
            long now = ticker.getAsLong();
            warn = warnedAt == null || now - warnedAt >= WARN_EVERY_NANOS;
            if (warn) {
                warnedAt = now;
            }
        }
        if (firstOfRun) {
            log.debug(
                    "received reactions are dropped from {} on: their share of the app's rate limit is spent",
                    messageId);
        }
        if (warn) {
            log.warn(
                    "{} received reaction(s) dropped so far: messages arrive faster than their share of the app's rate"
                            + " limit; replies are not slowed by them",
                    total);
        }
    }

    /** Removes a reaction once; a failure is logged and not retried (the mark is already forgotten). */
    private CompletableFuture<Void> remove(String messageId, String reactionId) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            messages.deleteReaction(messageId, reactionId)
                    .subscribe(
                            removed -> done.complete(null),
                            failure -> {
                                log.warn(
                                        "could not remove the received reaction from {}: {}",
                                        messageId,
                                        failure.toString());
                                done.complete(null);
                            },
                            () -> done.complete(null));
        } catch (RuntimeException e) {
            log.warn("could not remove the received reaction from {}: {}", messageId, e.toString());
            done.complete(null);
        }
        return done;
    }

    private void tombstone(String messageId) {
        tombstones.add(messageId);
        if (tombstones.size() > tombstoneCap) {
            Iterator<String> oldest = tombstones.iterator();
            oldest.next();
            oldest.remove();
        }
    }
}
