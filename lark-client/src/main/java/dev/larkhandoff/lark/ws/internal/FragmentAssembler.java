package dev.larkhandoff.lark.ws.internal;

import dev.larkhandoff.lark.ws.MalformedFrameException;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reassembles payloads Lark split across data frames ({@code message_id}, {@code sum}, {@code seq}), in any
 * arrival order. Partial messages expire, and their number and their total bytes are bounded (oldest dropped
 * first, counted in {@link #discarded()}), so a peer that never finishes cannot exhaust memory.
 */
public final class FragmentAssembler {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FragmentAssembler.class);

    /** A completed payload and the frame to echo in its ack (the last fragment to arrive). */
    public record Assembled(String messageId, byte[] payload, Frame lastFrame) {}

    private static final int MAX_FRAGMENTS = 1024;
    private static final int MAX_PARTIAL_MESSAGES = 1024;

    private static final class Partial {
        final byte[][] parts;
        final long startedMillis;
        int filled;
        long bytes;

        Partial(int sum, long startedMillis) {
            this.parts = new byte[sum][];
            this.startedMillis = startedMillis;
        }
    }

    private final Clock clock;
    private final Duration timeout;
    private final long maxPayloadBytes;
    private final long maxBufferedBytes;
    private final Map<String, Partial> partials = new LinkedHashMap<>();
    private long bufferedBytes;
    private long discarded;

    public FragmentAssembler(Clock clock, Duration timeout, long maxPayloadBytes) {
        this.clock = clock;
        this.timeout = timeout;
        this.maxPayloadBytes = maxPayloadBytes;
        this.maxBufferedBytes = Math.max(maxPayloadBytes, 4 * maxPayloadBytes);
    }

    /**
     * Adds a data frame.
     *
     * @return the whole payload once every fragment is in, otherwise null
     * @throws MalformedFrameException for missing or inconsistent headers
     * @throws PayloadTooLargeException when the payload exceeds the configured limit
     */
    public synchronized Assembled add(Frame frame) {
        expire();
        String messageId = frame.header("message_id");
        int sum = intHeader(frame, "sum");
        int seq = intHeader(frame, "seq");
        if (messageId == null || messageId.isEmpty()) {
            throw new MalformedFrameException("data frame lacks the message_id header");
        }
        if (sum < 1 || sum > MAX_FRAGMENTS) {
            throw new MalformedFrameException(
                    "data frame " + messageId + " has sum=" + sum + " (allowed 1.." + MAX_FRAGMENTS + ")");
        }
        if (seq < 0 || seq >= sum) {
            throw new MalformedFrameException(
                    "data frame " + messageId + " has seq=" + seq + " outside 0.." + (sum - 1));
        }
        byte[] payload = frame.payload() == null ? new byte[0] : frame.payload();
        if (sum == 1) {
            checkSize(messageId, payload.length);
            return new Assembled(messageId, payload, frame);
        }
        Partial p = partials.get(messageId);
        if (p == null) {
            if (partials.size() >= MAX_PARTIAL_MESSAGES) {
                dropOldest("too many partial messages");
            }
            p = new Partial(sum, clock.millis());
            partials.put(messageId, p);
        } else if (p.parts.length != sum) {
            partials.remove(messageId);
            throw new MalformedFrameException(
                    "fragments of " + messageId + " disagree on sum (" + p.parts.length + " vs " + sum + ")");
        }
        long added = p.parts[seq] == null ? payload.length : payload.length - p.parts[seq].length;
        if (p.parts[seq] == null) {
            p.filled++;
        }
        p.bytes += added;
        bufferedBytes += added;
        p.parts[seq] = payload;
        if (p.bytes > maxPayloadBytes) {
            remove(messageId);
            checkSize(messageId, p.bytes);
        }
        if (p.filled < sum) {
            while (bufferedBytes > maxBufferedBytes && partials.size() > 1) {
                dropOldest("more than " + maxBufferedBytes + " bytes of partial messages buffered");
            }
            return null;
        }
        remove(messageId);
        byte[] whole = new byte[(int) p.bytes];
        int at = 0;
        for (byte[] part : p.parts) {
            System.arraycopy(part, 0, whole, at, part.length);
            at += part.length;
        }
        return new Assembled(messageId, whole, frame);
    }

    /** Partial messages dropped (expired, or evicted by the bounds) since the start. */
    public synchronized long discarded() {
        return discarded;
    }

    private void remove(String messageId) {
        Partial p = partials.remove(messageId);
        if (p != null) {
            bufferedBytes -= p.bytes;
        }
    }

    private void dropOldest(String why) {
        Iterator<Map.Entry<String, Partial>> oldest = partials.entrySet().iterator();
        Map.Entry<String, Partial> e = oldest.next();
        oldest.remove();
        bufferedBytes -= e.getValue().bytes;
        discarded++;
        log.warn("dropping partial event payload {}: {}", e.getKey(), why);
    }

    /** Partial messages currently waiting for fragments. */
    public synchronized int pending() {
        return partials.size();
    }

    private void checkSize(String messageId, long size) {
        if (size > maxPayloadBytes) {
            throw new PayloadTooLargeException(
                    "event payload " + messageId + " is " + size + " bytes, over the limit of " + maxPayloadBytes);
        }
    }

    private void expire() {
        long cutoff = clock.millis() - timeout.toMillis();
        for (Iterator<Map.Entry<String, Partial>> it = partials.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Partial> e = it.next();
            if (e.getValue().startedMillis < cutoff) {
                it.remove();
                bufferedBytes -= e.getValue().bytes;
                discarded++;
                log.warn(
                        "dropping partial event payload {}: its other fragments did not arrive within {} s",
                        e.getKey(),
                        timeout.toSeconds());
            }
        }
    }

    private static int intHeader(Frame frame, String key) {
        String v = frame.header(key);
        if (v == null) {
            throw new MalformedFrameException("data frame lacks the " + key + " header");
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new MalformedFrameException("data frame header " + key + "='" + v + "' is not a number");
        }
    }

    /** A reassembled (or single) payload above the configured size limit. */
    public static final class PayloadTooLargeException extends IllegalArgumentException {
        public PayloadTooLargeException(String message) {
            super(message);
        }
    }
}
