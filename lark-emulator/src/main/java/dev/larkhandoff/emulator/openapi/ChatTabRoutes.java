package dev.larkhandoff.emulator.openapi;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.EmulatorState;
import dev.larkhandoff.emulator.Ids;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuTab;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /open-apis/im/v1/chats/:chat_id/chat_tabs…}: URL tabs beside the built-in message tab, which is
 * always first and can be neither changed nor removed. Every call answers with the chat's tabs in order.
 */
public final class ChatTabRoutes implements ApiRoutes {

    private static final String TABS = "/open-apis/im/v1/chats/:chat_id/chat_tabs";
    /** Lark caps a chat's tabs (the message tab included). */
    static final int MAX_TABS = 20;

    private static final String MESSAGE = "message";
    private static final String URL = "url";

    private final EmulatorState state;

    public ChatTabRoutes(EmulatorState state) {
        this.state = state;
    }

    @Override
    public void register(ApiRouter r) {
        r.get(TABS + "/list_tabs", call -> answer(call, c -> {}));
        r.post(TABS, this::create);
        r.post(TABS + "/update_tabs", this::update);
        r.delete(TABS + "/delete_tabs", this::delete);
        r.post(TABS + "/sort_tabs", this::sort);
    }

    /** A tab as the request describes it; {@code tabId} is null on create. */
    private record TabSpec(String tabId, String name, String type, String url) {}

    private ApiResult create(ApiCall call) {
        List<TabSpec> specs = specs(call, false);
        return answer(call, c -> {
            if (c.tabs.size() + specs.size() > MAX_TABS) {
                throw ApiError.badRequest("a chat has at most " + MAX_TABS + " tabs");
            }
            for (TabSpec s : specs) {
                c.tabs.add(new EmuTab(Ids.tabId(), s.name(), s.type(), s.url()));
            }
        });
    }

    private ApiResult update(ApiCall call) {
        List<TabSpec> specs = specs(call, true);
        return answer(call, c -> {
            // Check every tab before changing any, so a refused update changes nothing.
            List<Integer> positions = new ArrayList<>();
            for (TabSpec s : specs) {
                int i = indexOf(c, s.tabId());
                if (MESSAGE.equals(c.tabs.get(i).tabType())) {
                    throw ApiError.badRequest("the message tab cannot be updated");
                }
                positions.add(i);
            }
            for (int k = 0; k < specs.size(); k++) {
                TabSpec s = specs.get(k);
                c.tabs.set(positions.get(k), new EmuTab(s.tabId(), s.name(), s.type(), s.url()));
            }
        });
    }

    private ApiResult delete(ApiCall call) {
        List<String> ids = tabIds(call);
        return answer(call, c -> {
            for (String id : ids) {
                if (MESSAGE.equals(c.tabs.get(indexOf(c, id)).tabType())) {
                    throw ApiError.badRequest("the message tab cannot be deleted");
                }
            }
            c.tabs.removeIf(t -> ids.contains(t.tabId()));
        });
    }

    /** The listed tabs go first in the given order, the rest keep theirs; the message tab never moves. */
    private ApiResult sort(ApiCall call) {
        List<String> ids = tabIds(call);
        return answer(call, c -> {
            for (int k = 0; k < ids.size(); k++) {
                if (MESSAGE.equals(c.tabs.get(indexOf(c, ids.get(k))).tabType()) && k != 0) {
                    throw ApiError.badRequest("the message tab must stay first");
                }
            }
            List<EmuTab> sorted = new ArrayList<>();
            c.tabs.stream().filter(t -> MESSAGE.equals(t.tabType())).forEach(sorted::add);
            for (String id : ids) {
                EmuTab t = c.tabs.get(indexOf(c, id));
                if (!sorted.contains(t)) {
                    sorted.add(t);
                }
            }
            c.tabs.stream().filter(t -> !sorted.contains(t)).forEach(sorted::add);
            c.tabs.clear();
            c.tabs.addAll(sorted);
        });
    }

    /** Applies {@code change} under the lock (after the chat checks) and answers {@code data.chat_tabs}. */
    private ApiResult answer(ApiCall call, java.util.function.Consumer<EmuChat> change) {
        ObjectNode data = ChatAccess.withBotChat(state, call, call.param("chat_id"), c -> {
            change.accept(c);
            ObjectNode o = EmuJson.object();
            ArrayNode tabs = o.putArray("chat_tabs");
            c.tabs.forEach(t -> tabs.add(view(t)));
            return o;
        });
        return ApiResult.data(data);
    }

    private static ObjectNode view(EmuTab t) {
        ObjectNode o = EmuJson.object();
        o.put("tab_id", t.tabId());
        if (t.tabName() != null) {
            o.put("tab_name", t.tabName());
        }
        o.put("tab_type", t.tabType());
        if (t.url() != null) {
            o.putObject("tab_content").put("url", t.url());
        }
        o.putObject("tab_config").put("is_built_in", MESSAGE.equals(t.tabType()));
        return o;
    }

    private static int indexOf(EmuChat c, String tabId) {
        for (int i = 0; i < c.tabs.size(); i++) {
            if (c.tabs.get(i).tabId().equals(tabId)) {
                return i;
            }
        }
        throw ApiError.badRequest("no tab " + tabId + " in chat " + c.chatId);
    }

    private static List<TabSpec> specs(ApiCall call, boolean withIds) {
        JsonNode list = call.requireBody().get("chat_tabs");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw ApiError.badRequest("chat_tabs is required");
        }
        List<TabSpec> out = new ArrayList<>();
        for (JsonNode tab : list) {
            String id = EmuJson.text(tab, "tab_id");
            if (withIds && (id == null || id.isEmpty())) {
                throw ApiError.badRequest("chat_tabs[].tab_id is required");
            }
            String name = EmuJson.text(tab, "tab_name");
            if (name == null || name.isBlank()) {
                throw ApiError.badRequest("chat_tabs[].tab_name is required");
            }
            String type = EmuJson.text(tab, "tab_type");
            if (!URL.equals(type)) {
                // Lark has doc and other tab types too; the emulator models url tabs only.
                throw ApiError.badRequest("chat_tabs[].tab_type must be url");
            }
            String url = EmuJson.text(tab.path("tab_content"), "url");
            if (url == null || !(url.startsWith("https://") || url.startsWith("http://"))) {
                throw ApiError.badRequest("chat_tabs[].tab_content.url must be an http(s) URL");
            }
            out.add(new TabSpec(withIds ? id : null, name, type, url));
        }
        return out;
    }

    private static List<String> tabIds(ApiCall call) {
        JsonNode list = call.requireBody().get("tab_ids");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw ApiError.badRequest("tab_ids is required");
        }
        Set<String> ids = new LinkedHashSet<>();
        for (JsonNode v : list) {
            ids.add(v.asString());
        }
        return List.copyOf(ids);
    }
}
