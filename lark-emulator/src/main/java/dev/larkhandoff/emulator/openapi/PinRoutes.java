package dev.larkhandoff.emulator.openapi;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.EmulatorState;
import dev.larkhandoff.emulator.model.EmuMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.node.ObjectNode;

/** {@code /open-apis/im/v1/pins}: pin a message in its chat, unpin it, list a chat's pins newest first. */
public final class PinRoutes implements ApiRoutes {

    private static final String PINS = "/open-apis/im/v1/pins";

    private final EmulatorState state;
    /** message id to the app that pinned it; the chat model keeps only the pin time. */
    private final Map<String, String> pinnedBy = new ConcurrentHashMap<>();

    public PinRoutes(EmulatorState state) {
        this.state = state;
    }

    @Override
    public void register(ApiRouter r) {
        r.post(PINS, this::create);
        r.get(PINS, this::list);
        r.delete(PINS + "/:message_id", this::delete);
    }

    /** One pin as Lark shows it: the message, its chat, who pinned it and when (millisecond string). */
    private record Pin(String messageId, String chatId, long time) {}

    private ApiResult create(ApiCall call) {
        EmuMessage m = pinnable(call.requireText("message_id"));
        Pin pin = ChatAccess.withBotChat(state, call, m.chatId(), c -> {
            // Pinning a pinned message changes nothing: the first pin and its time stay.
            Long time = c.pins.computeIfAbsent(m.messageId(), id -> state.now());
            pinnedBy.putIfAbsent(m.messageId(), call.app().appId());
            return new Pin(m.messageId(), c.chatId, time);
        });
        ObjectNode data = EmuJson.object();
        data.set("pin", view(pin));
        return ApiResult.data(data);
    }

    private ApiResult delete(ApiCall call) {
        EmuMessage m = pinnable(call.param("message_id"));
        ChatAccess.withBotChat(state, call, m.chatId(), c -> {
            if (c.pins.remove(m.messageId()) == null) {
                throw ApiError.badRequest("message is not pinned: " + m.messageId());
            }
            pinnedBy.remove(m.messageId());
            return c;
        });
        return ApiResult.empty();
    }

    private ApiResult list(ApiCall call) {
        String chatId = call.requireQuery("chat_id");
        String start = call.query("start_time");
        String end = call.query("end_time");
        long from = start == null || start.isEmpty() ? Long.MIN_VALUE : millis("start_time", start);
        long to = end == null || end.isEmpty() ? Long.MAX_VALUE : millis("end_time", end);
        List<Pin> pins = ChatAccess.withBotChat(state, call, chatId, c -> {
            List<Pin> out = new ArrayList<>();
            c.pins.forEach((id, time) -> {
                if (time >= from && time <= to) {
                    out.add(new Pin(id, c.chatId, time));
                }
            });
            return out;
        });
        // Newest pin first; the map keeps pin order, so reversing it is enough.
        java.util.Collections.reverse(pins);
        return Pages.of(pins, call, this::view);
    }

    /** A message that can carry a pin: it exists, is not recalled, and sits directly in a chat. */
    private EmuMessage pinnable(String messageId) {
        EmuMessage m = state.message(messageId)
                .orElseThrow(() -> ApiError.notFound(ApiError.MESSAGE_NOT_FOUND, "message not found: " + messageId));
        if (m.deleted()) {
            throw ApiError.notFound(ApiError.MESSAGE_NOT_FOUND, "message was recalled: " + messageId);
        }
        if (m.chatId() == null || m.upperMessageId() != null) {
            throw ApiError.badRequest(
                    "message " + messageId + " is not in a chat (merge_forward children cannot be pinned)");
        }
        return m;
    }

    private ObjectNode view(Pin pin) {
        ObjectNode o = EmuJson.object();
        o.put("message_id", pin.messageId());
        o.put("chat_id", pin.chatId());
        String operator = pinnedBy.get(pin.messageId());
        o.put("operator_id", operator == null ? "" : operator);
        o.put("operator_id_type", "app_id");
        o.put("create_time", String.valueOf(pin.time()));
        return o;
    }

    private static long millis(String name, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw ApiError.badRequest(name + " must be a millisecond timestamp");
        }
    }
}
