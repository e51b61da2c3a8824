package dev.larkhandoff.lark.ws;

import java.time.Duration;

/**
 * Tuning of a {@link LongConnection}.
 *
 * @param maxPayloadBytes      largest event payload accepted after reassembly; bigger ones are skipped
 * @param fragmentTimeout      how long a partly received payload waits for its other fragments
 * @param queueCapacity        events handed out but not yet taken by the consumer; beyond it events are
 *                             answered 500 so Lark pushes them again later
 * @param dedupeWindow         how many recently acknowledged event ids are remembered, so a redelivery
 *                             of an event already accepted is acknowledged again without reaching the consumer
 * @param deliverUnknownEvents hand event types this client does not model to the consumer (otherwise they
 *                             are logged, counted and acknowledged)
 * @param connectTimeout       endpoint discovery plus WebSocket upgrade must finish within this, or the
 *                             attempt counts as failed
 */
public record LongConnectionOptions(
        long maxPayloadBytes,
        Duration fragmentTimeout,
        int queueCapacity,
        int dedupeWindow,
        boolean deliverUnknownEvents,
        Duration connectTimeout) {

    public static LongConnectionOptions defaults() {
        return new LongConnectionOptions(
                4L * 1024 * 1024, Duration.ofSeconds(10), 4096, 8192, false, Duration.ofSeconds(20));
    }

    public LongConnectionOptions withMaxPayloadBytes(long bytes) {
        return new LongConnectionOptions(
                bytes, fragmentTimeout, queueCapacity, dedupeWindow, deliverUnknownEvents, connectTimeout);
    }

    public LongConnectionOptions withQueueCapacity(int capacity) {
        return new LongConnectionOptions(
                maxPayloadBytes, fragmentTimeout, capacity, dedupeWindow, deliverUnknownEvents, connectTimeout);
    }

    public LongConnectionOptions withDeliverUnknownEvents(boolean deliver) {
        return new LongConnectionOptions(
                maxPayloadBytes, fragmentTimeout, queueCapacity, dedupeWindow, deliver, connectTimeout);
    }

    public LongConnectionOptions withConnectTimeout(Duration timeout) {
        return new LongConnectionOptions(
                maxPayloadBytes, fragmentTimeout, queueCapacity, dedupeWindow, deliverUnknownEvents, timeout);
    }
}
