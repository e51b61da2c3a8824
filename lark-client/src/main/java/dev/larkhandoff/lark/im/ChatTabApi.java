package dev.larkhandoff.lark.im;

import static dev.larkhandoff.lark.im.MessageApi.require;

import dev.larkhandoff.lark.LarkJson;
import dev.larkhandoff.lark.http.ApiRequest;
import dev.larkhandoff.lark.http.LarkHttp;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** A chat's tabs: list, add url tabs, update, delete and reorder them; every call answers with all tabs in order. */
public final class ChatTabApi {

    private static final String TABS = "/open-apis/im/v1/chats/:chat_id/chat_tabs";

    private final LarkHttp http;

    public ChatTabApi(LarkHttp http) {
        this.http = http;
    }

    /** The chat's tabs, the message tab first. */
    public Mono<List<ChatTab>> list(String chatId) {
        return tabs(ApiRequest.get(TABS + "/list_tabs").pathParam("chat_id", chatId));
    }

    /** Adds tabs (see {@link ChatTab#url}). */
    public Mono<List<ChatTab>> create(String chatId, List<ChatTab> tabs) {
        return tabs(ApiRequest.post(TABS).pathParam("chat_id", chatId).json(body(tabs, false)));
    }

    /** Renames or retargets tabs, found by their ids. */
    public Mono<List<ChatTab>> update(String chatId, List<ChatTab> tabs) {
        return tabs(ApiRequest.post(TABS + "/update_tabs")
                .pathParam("chat_id", chatId)
                .json(body(tabs, true))
                // Setting a tab to the same name and url twice leaves it as the first call did.
                .idempotent(true));
    }

    /** Deletes tabs; the message tab cannot be deleted. */
    public Mono<List<ChatTab>> delete(String chatId, List<String> tabIds) {
        return tabs(ApiRequest.delete(TABS + "/delete_tabs")
                .pathParam("chat_id", chatId)
                .json(tabIds(tabIds)));
    }

    /** Puts the given tabs first, in this order; the message tab stays first. */
    public Mono<List<ChatTab>> sort(String chatId, List<String> tabIds) {
        return tabs(ApiRequest.post(TABS + "/sort_tabs")
                .pathParam("chat_id", chatId)
                .json(tabIds(tabIds))
                // The same order applied twice is the same order.
                .idempotent(true));
    }

    private Mono<List<ChatTab>> tabs(ApiRequest.Builder request) {
        return http.callData(request.build()).map(data -> {
            List<ChatTab> out = new ArrayList<>();
            for (JsonNode tab : data.path("chat_tabs")) {
                out.add(LarkJson.convert(tab, ChatTab.class));
            }
            return List.copyOf(out);
        });
    }

    /** Built field by field, so a tab's id goes only into updates and no derived property leaks into the JSON. */
    private static ObjectNode body(List<ChatTab> tabs, boolean update) {
        if (tabs == null || tabs.isEmpty()) {
            throw new IllegalArgumentException("chat_tabs is required");
        }
        ObjectNode body = LarkJson.object();
        ArrayNode list = body.putArray("chat_tabs");
        for (ChatTab tab : tabs) {
            ObjectNode o = list.addObject();
            if (update) {
                o.put("tab_id", require(tab.tabId(), "chat_tabs[].tab_id"));
            }
            o.put("tab_name", require(tab.tabName(), "chat_tabs[].tab_name"));
            o.put("tab_type", require(tab.tabType(), "chat_tabs[].tab_type"));
            if (tab.url() != null) {
                o.putObject("tab_content").put("url", tab.url());
            }
        }
        return body;
    }

    private static ObjectNode tabIds(List<String> tabIds) {
        if (tabIds == null || tabIds.isEmpty()) {
            throw new IllegalArgumentException("tab_ids is required");
        }
        ObjectNode body = LarkJson.object();
        ArrayNode list = body.putArray("tab_ids");
        tabIds.forEach(id -> list.add(require(id, "tab_ids[]")));
        return body;
    }
}
