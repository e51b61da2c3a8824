package dev.larkhandoff.lark.im;

import static dev.larkhandoff.lark.im.MessageApi.require;

import dev.larkhandoff.lark.LarkJson;
import dev.larkhandoff.lark.http.ApiRequest;
import dev.larkhandoff.lark.http.LarkHttp;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Pinned messages: pin one in its chat, unpin it, and list a chat's pins (the handoff keeps its config card pinned). */
public final class PinApi {

    private static final String PINS = "/open-apis/im/v1/pins";
    /** Lark's largest page of pins, also what the handoff skill asks for. */
    public static final int MAX_PAGE_SIZE = 50;

    private final LarkHttp http;

    public PinApi(LarkHttp http) {
        this.http = http;
    }

    /** Pins a message in the chat it was sent to; the bot must be in that chat. */
    public Mono<Pin> create(String messageId) {
        return http.callData(ApiRequest.post(PINS)
                        .json(Map.of("message_id", require(messageId, "message_id")))
                        .build())
                .map(data -> LarkJson.convert(data.path("pin"), Pin.class));
    }

    /** Unpins a message. */
    public Mono<Void> delete(String messageId) {
        return http.callData(ApiRequest.delete(PINS + "/:message_id")
                        .pathParam("message_id", messageId)
                        .build())
                .then();
    }

    /** One page of a chat's pins. */
    public Mono<Page<Pin>> list(String chatId, int pageSize, String pageToken) {
        return http.callData(ApiRequest.get(PINS)
                        .query("chat_id", require(chatId, "chat_id"))
                        .query("page_size", pageSize(pageSize))
                        .query("page_token", pageToken)
                        .build())
                .map(data -> Pages.read(data, "items", Pin.class));
    }

    /** Every pin of a chat, page after page. */
    public Flux<Pin> listAll(String chatId) {
        require(chatId, "chat_id");
        return Pages.all(token -> list(chatId, MAX_PAGE_SIZE, token));
    }

    private static int pageSize(int pageSize) {
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("page_size must be between 1 and " + MAX_PAGE_SIZE);
        }
        return pageSize;
    }
}
