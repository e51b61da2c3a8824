package dev.larkhandoff.lark.contact;

import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.LarkJson;
import dev.larkhandoff.lark.http.ApiRequest;
import dev.larkhandoff.lark.http.LarkHttp;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/** The bot's own identity (its open_id and name), which the handoff needs to recognise mentions of itself. */
public final class BotApi {

    private static final String INFO = "/open-apis/bot/v3/info";

    private final LarkHttp http;

    public BotApi(LarkHttp http) {
        this.http = http;
    }

    /** The bot's info; Lark puts {@code bot} beside {@code code}, not under {@code data}. */
    public Mono<BotInfo> info() {
        return http.call(ApiRequest.get(INFO).build()).map(root -> {
            JsonNode bot = root.get("bot");
            if (bot == null || !bot.isObject()) {
                throw new LarkException(0, "answer carries no bot object", null, 200, "GET " + INFO);
            }
            return LarkJson.convert(bot, BotInfo.class);
        });
    }
}
