package dev.larkhandoff.emulator.openapi;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.EmulatorState;
import dev.larkhandoff.emulator.model.EmuUser;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code POST /open-apis/contact/v3/users/batch_get_id}: people's ids by email or mobile number. */
public final class ContactRoutes implements ApiRoutes {

    /** Lark takes at most 50 emails and 50 mobile numbers per call. */
    static final int MAX_PER_KIND = 50;

    private final EmulatorState state;

    public ContactRoutes(EmulatorState state) {
        this.state = state;
    }

    @Override
    public void register(ApiRouter router) {
        router.post("/open-apis/contact/v3/users/batch_get_id", this::batchGetId);
    }

    private ApiResult batchGetId(ApiCall call) {
        String idType = UserIds.type(call, "user_id_type", false);
        JsonNode body = call.requireBody();
        List<String> emails = strings(body, "emails");
        List<String> mobiles = strings(body, "mobiles");
        if (emails.isEmpty() && mobiles.isEmpty()) {
            throw ApiError.badRequest("emails or mobiles is required");
        }
        ObjectNode data = EmuJson.object();
        ArrayNode list = data.putArray("user_list");
        for (String email : emails) {
            ObjectNode entry = list.addObject();
            entry.put("email", email);
            // An unknown address comes back without user_id, not as an error.
            state.userByEmail(email).ifPresent(u -> describe(entry, u, idType));
        }
        for (String mobile : mobiles) {
            ObjectNode entry = list.addObject();
            entry.put("mobile", mobile);
            Optional<EmuUser> user = state.users().stream()
                    .filter(u -> mobile.equals(u.mobile()))
                    .findFirst();
            user.ifPresent(u -> describe(entry, u, idType));
        }
        return ApiResult.data(data);
    }

    private static void describe(ObjectNode entry, EmuUser user, String idType) {
        entry.put("user_id", UserIds.idOf(user, idType));
        ObjectNode status = entry.putObject("status");
        status.put("is_frozen", false);
        status.put("is_resigned", false);
        status.put("is_activated", true);
        status.put("is_exited", false);
        status.put("is_unjoin", false);
    }

    private static List<String> strings(JsonNode body, String field) {
        List<String> out = new ArrayList<>();
        JsonNode list = body.get(field);
        if (list == null || list.isNull()) {
            return out;
        }
        if (!list.isArray() || list.size() > MAX_PER_KIND) {
            throw ApiError.badRequest(field + " must be an array of at most " + MAX_PER_KIND + " strings");
        }
        list.forEach(v -> out.add(v.asString()));
        return out;
    }
}
