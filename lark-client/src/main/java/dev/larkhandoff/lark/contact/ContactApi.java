package dev.larkhandoff.lark.contact;

import dev.larkhandoff.lark.LarkJson;
import dev.larkhandoff.lark.UserIdType;
import dev.larkhandoff.lark.http.ApiRequest;
import dev.larkhandoff.lark.http.LarkHttp;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** People in the tenant: find their ids by email (needs the {@code contact:user.id:readonly} scope). */
public final class ContactApi {

    private static final String BATCH_GET_ID = "/open-apis/contact/v3/users/batch_get_id";
    /** Lark looks up at most 50 emails per call; longer lists are split. */
    public static final int MAX_EMAILS_PER_CALL = 50;

    private final LarkHttp http;

    public ContactApi(LarkHttp http) {
        this.http = http;
    }

    /** The open_id of the person with this email, empty when Lark knows no such address. */
    public Mono<Optional<String>> openIdByEmail(String email) {
        String wanted = require(email, "email");
        return userIdsByEmail(List.of(wanted), UserIdType.OPEN_ID).map(found -> Optional.ofNullable(found.get(wanted)));
    }

    /**
     * Ids of the people with these emails, keyed by the email as given; addresses Lark does not know are
     * left out of the map (Lark answers them without a {@code user_id}, not with an error).
     */
    public Mono<Map<String, String>> userIdsByEmail(Collection<String> emails, UserIdType idType) {
        if (emails == null || emails.isEmpty()) {
            throw new IllegalArgumentException("emails is required");
        }
        List<String> all = new ArrayList<>();
        emails.forEach(e -> all.add(require(e, "emails[]")));
        List<List<String>> chunks = new ArrayList<>();
        for (int i = 0; i < all.size(); i += MAX_EMAILS_PER_CALL) {
            chunks.add(all.subList(i, Math.min(all.size(), i + MAX_EMAILS_PER_CALL)));
        }
        return Flux.fromIterable(chunks)
                .concatMap(chunk -> lookUp(chunk, idType))
                .collect(LinkedHashMap<String, String>::new, Map::putAll)
                .map(found -> {
                    // Lark may echo an address in another case; key the answer by what the caller asked for.
                    Map<String, String> byRequested = new LinkedHashMap<>();
                    for (String email : all) {
                        String id = found.get(email.toLowerCase(Locale.ROOT));
                        if (id != null) {
                            byRequested.put(email, id);
                        }
                    }
                    return byRequested;
                });
    }

    /** One call: lower-cased email to id, for the addresses Lark knows. */
    private Mono<Map<String, String>> lookUp(List<String> emails, UserIdType idType) {
        ObjectNode body = LarkJson.object();
        ArrayNode list = body.putArray("emails");
        emails.forEach(list::add);
        return http.callData(ApiRequest.post(BATCH_GET_ID)
                        .query("user_id_type", idType.wire())
                        .json(body)
                        // A lookup changes nothing, so repeating it is safe.
                        .idempotent(true)
                        .build())
                .map(data -> {
                    Map<String, String> found = new LinkedHashMap<>();
                    for (JsonNode user : data.path("user_list")) {
                        String email = user.path("email").asString("");
                        String id = user.path("user_id").asString("");
                        if (!email.isEmpty() && !id.isEmpty()) {
                            found.put(email.toLowerCase(Locale.ROOT), id);
                        }
                    }
                    return found;
                });
    }

    private static String require(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }
}
