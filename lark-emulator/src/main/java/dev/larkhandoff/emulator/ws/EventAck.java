package dev.larkhandoff.emulator.ws;

import tools.jackson.databind.JsonNode;

/**
 * How a pushed event ended: the client's ack code (200, 500 …, or -1 when no ack came in time), the
 * decoded {@code data} of the ack (a card callback's {@code {toast, card}}), and how many pushes it took.
 */
public record EventAck(String eventId, int code, JsonNode data, int attempts) {

    public boolean ok() {
        return code == 200;
    }
}
