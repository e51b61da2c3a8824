package dev.larkhandoff.emulator.openapi;

import dev.larkhandoff.emulator.EmulatorState;
import dev.larkhandoff.emulator.model.EmuUser;
import java.util.Optional;
import java.util.Set;

/**
 * Lark's id types for people ({@code open_id}, {@code union_id}, {@code user_id}) and bots ({@code app_id}):
 * which the caller asked for, whether an id has that type's shape, and converting between them.
 */
final class UserIds {

    static final Set<String> USER_TYPES = Set.of("open_id", "union_id", "user_id");

    private UserIds() {}

    /** The id type named by query parameter {@code name} (default open_id); app_id only where Lark takes bots. */
    static String type(ApiCall call, String name, boolean allowAppId) {
        String type = call.query(name);
        if (type == null || type.isEmpty()) {
            return "open_id";
        }
        if (USER_TYPES.contains(type) || (allowAppId && "app_id".equals(type))) {
            return type;
        }
        throw ApiError.badRequest(name + " must be one of open_id, union_id, user_id" + (allowAppId ? ", app_id" : ""));
    }

    /** Whether {@code id} looks like an id of this type; Lark reports malformed ids apart from unknown ones. */
    static boolean wellFormed(String type, String id) {
        if (id == null || id.isBlank()) {
            return false;
        }
        return switch (type) {
            case "open_id" -> id.startsWith("ou_");
            case "union_id" -> id.startsWith("on_");
            case "app_id" -> id.startsWith("cli_");
            default -> !id.contains("_");
        };
    }

    static Optional<EmuUser> find(EmulatorState state, String type, String id) {
        if (!wellFormed(type, id)) {
            return Optional.empty();
        }
        return switch (type) {
            case "open_id" -> state.user(id);
            case "union_id" ->
                state.users().stream().filter(u -> id.equals(u.unionId())).findFirst();
            case "user_id" ->
                state.users().stream().filter(u -> id.equals(u.userId())).findFirst();
            default -> Optional.empty();
        };
    }

    static String idOf(EmuUser user, String type) {
        return switch (type) {
            case "union_id" -> user.unionId();
            case "user_id" -> user.userId();
            default -> user.openId();
        };
    }
}
