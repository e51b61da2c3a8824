package dev.larkhandoff.lark.ws;

/** Counters of a {@link LongConnection} since it was created: what arrived, what was skipped and why. */
public record LongConnectionStats(
        long connects,
        long pingsSent,
        long pongs,
        long eventsDelivered,
        long acked,
        long failedAcks,
        long duplicatesSkipped,
        long malformedFrames,
        long invalidPayloads,
        long unknownEvents,
        long oversizedPayloads,
        long partialPayloadsDropped,
        long shedForFullQueue) {}
