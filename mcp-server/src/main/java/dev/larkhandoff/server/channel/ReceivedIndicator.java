package dev.larkhandoff.server.channel;

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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "received" reaction: a message delivered to an agent gets one emoji, so people in the chat see it arrived,
 * and the agent's next reply in that chat takes it off again. At most one reaction per message: a duplicate
 * delivery, an add still in flight and a message already cleared (a tombstone) all add nothing. Lark is called
 * asynchronously, so no method blocks; reaction failures are logged and never fail anything. Thread-safe.
 *
 * <p>State lives in memory only: after a daemon restart a leftover reaction stays on its message.
 */
public final class ReceivedIndicator {

    /** The emoji a received message gets, one picked at random. */
    public static final List<String> EMOJIS = List.of("GLANCE", "LGTM", "Typing", "OnIt");
    /** How many cleared message ids are remembered so that a late redelivery adds nothing. */
    public static final int TOMBSTONE_CAP = 1024;

    private static final Logger log = LoggerFactory.getLogger(ReceivedIndicator.class);

    private final MessageApi messages;
    private final Random random;
    private final int tombstoneCap;
    private final Object lock = new Object();
    /** Messages that carry a reaction, or have one on the way; by message id. */
    private final Map<String, Mark> marks = new HashMap<>();
    /** Cleared message ids, oldest first. */
    private final Set<String> tombstones = new LinkedHashSet<>();

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
        this.messages = Objects.requireNonNull(messages, "messages");
        this.random = Objects.requireNonNull(random, "random");
        this.tombstoneCap = tombstoneCap;
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
            messages.addReaction(messageId, emoji)
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
        log.warn("could not add the received reaction to {}: {}", messageId, failure.toString());
        synchronized (lock) {
            // Forgotten, so a redelivery may try again (unless a reply cleared it meanwhile: it is tombstoned).
            marks.remove(messageId, mark);
        }
        mark.settled.complete(null);
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
