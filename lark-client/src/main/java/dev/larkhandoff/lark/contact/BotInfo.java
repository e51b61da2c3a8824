package dev.larkhandoff.lark.contact;

import java.util.List;

/**
 * The app's bot as {@code GET /open-apis/bot/v3/info} describes it.
 *
 * @param openId         the bot's open_id: how it appears in mentions and member lists
 * @param activateStatus Lark's activation state of the bot (2 when enabled)
 */
public record BotInfo(String openId, String appName, String avatarUrl, int activateStatus, List<String> ipWhiteList) {

    public BotInfo {
        ipWhiteList = ipWhiteList == null ? List.of() : List.copyOf(ipWhiteList);
    }
}
