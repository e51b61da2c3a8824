package dev.larkhandoff.lark.webhook;

import dev.larkhandoff.lark.LarkJson;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** A webhook request that passed every check: either Lark's URL check or a payload to handle. */
public sealed interface WebhookRequest permits WebhookRequest.UrlVerification, WebhookRequest.Payload {

    /** Lark checking the URL during setup; answer with {@link #answer()} as the JSON response body. */
    record UrlVerification(String challenge) implements WebhookRequest {
        public ObjectNode answer() {
            return LarkJson.object().put("challenge", challenge);
        }
    }

    /** An event or card callback, decrypted: a schema 2.0 envelope, a v1 event, or an old card callback. */
    record Payload(JsonNode body) implements WebhookRequest {
        /** {@code header.event_type} of a schema 2.0 envelope, {@code event.type} of a v1 event, else null. */
        public String eventType() {
            JsonNode t = body.path("header").get("event_type");
            if (t == null) {
                t = body.path("event").get("type");
            }
            return t != null && t.isString() ? t.stringValue() : null;
        }
    }
}
