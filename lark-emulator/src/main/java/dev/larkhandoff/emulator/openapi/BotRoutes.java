package dev.larkhandoff.emulator.openapi;

import dev.larkhandoff.emulator.EmuJson;
import tools.jackson.databind.node.ObjectNode;

/** {@code GET /open-apis/bot/v3/info}: the calling app's bot, with {@code bot} beside {@code code} (no {@code data}). */
public final class BotRoutes implements ApiRoutes {

    /** {@code activate_status} of a bot whose app is enabled and published. */
    static final int ACTIVATED = 2;

    @Override
    public void register(ApiRouter router) {
        router.get("/open-apis/bot/v3/info", call -> {
            ObjectNode root = EmuJson.object();
            root.put("code", 0);
            root.put("msg", "ok");
            ObjectNode bot = root.putObject("bot");
            bot.put("activate_status", ACTIVATED);
            bot.put("app_name", call.app().name());
            bot.put("avatar_url", "https://s1-imfile.feishucdn.com/static-resource/v1/bot-avatar~?image_size=72x72");
            bot.putArray("ip_white_list");
            bot.put("open_id", call.app().botOpenId());
            return new ApiResult.TopLevel(root);
        });
    }
}
