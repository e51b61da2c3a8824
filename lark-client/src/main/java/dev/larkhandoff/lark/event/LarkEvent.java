package dev.larkhandoff.lark.event;

import tools.jackson.databind.JsonNode;

/** An event from Lark, typed by {@code header.event_type}; {@link #raw()} keeps the whole envelope for storage. */
public sealed interface LarkEvent
        permits MessageReceived, ReactionCreated, BotMembershipChanged, CardAction, UnknownEvent {

    EventHeader header();

    /** The envelope exactly as received. */
    JsonNode raw();

    default String eventId() {
        return header().eventId();
    }

    default String eventType() {
        return header().eventType();
    }
}
