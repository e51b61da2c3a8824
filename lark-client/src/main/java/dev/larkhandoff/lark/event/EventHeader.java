package dev.larkhandoff.lark.event;

/** The schema 2.0 event header: {@code eventId} is what redeliveries share and deduplication keys on. */
public record EventHeader(
        String eventId, String eventType, long createTime, String token, String appId, String tenantKey) {}
