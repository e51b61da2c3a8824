package dev.larkhandoff.lark.event;

import tools.jackson.databind.JsonNode;

/** An event type this client has no record for, kept raw. */
public record UnknownEvent(EventHeader header, JsonNode raw) implements LarkEvent {}
