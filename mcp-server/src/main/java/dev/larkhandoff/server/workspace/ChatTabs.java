package dev.larkhandoff.server.workspace;

import dev.larkhandoff.lark.im.ChatTab;
import dev.larkhandoff.lark.im.ChatTabApi;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chat tab named after the model while a handoff is active, removed at hand-back. A tab is the handoff's when it
 * is a url tab opening the handoff's url or one of the Python handoff skill's two (so its leftover tabs go too). Both
 * operations are idempotent and never fail the handoff: a Lark failure is logged and reported as nothing done.
 */
public final class ChatTabs {

    /** Where the model tab points; also one of the Python handoff skill's, so each recognises the other's tabs. */
    public static final String DEFAULT_URL = "https://example.com";

    private static final Set<String> PYTHON_SKILL_URLS = Set.of("https://github.com/verneagent", "https://example.com");
    /** The tab's name when the agent did not say which model it runs. */
    static final String UNNAMED_MODEL = "Handoff";

    private static final Logger log = LoggerFactory.getLogger(ChatTabs.class);

    private final ChatTabApi tabs;
    private final String url;

    public ChatTabs(ChatTabApi tabs) {
        this(tabs, DEFAULT_URL);
    }

    public ChatTabs(ChatTabApi tabs, String url) {
        this.tabs = Objects.requireNonNull(tabs, "tabs");
        this.url = Objects.requireNonNull(url, "url");
    }

    /**
     * Shows the model's tab right after the message tab: stale handoff tabs (another model's) go, the model's tab is
     * created or pointed at the handoff's url. Returns the tab's id, or empty when Lark refused.
     */
    public Optional<String> open(String chatId, String model) {
        String name = Objects.requireNonNullElse(HandoffAgent.displayModel(model), UNNAMED_MODEL);
        if (!LarkIds.isChatId(chatId)) {
            log.warn("no model tab: '{}' is not a chat id", chatId);
            return Optional.empty();
        }
        try {
            List<ChatTab> current = tabs.list(chatId).block();
            List<String> stale = current.stream()
                    .filter(this::isHandoffTab)
                    .filter(t -> !name.equals(t.tabName()))
                    .map(ChatTab::tabId)
                    .toList();
            if (!stale.isEmpty()) {
                current = tabs.delete(chatId, stale).block();
            }
            Optional<ChatTab> mine = current.stream()
                    .filter(this::isHandoffTab)
                    .filter(t -> name.equals(t.tabName()))
                    .findFirst();
            if (mine.isPresent() && !url.equals(mine.get().url())) {
                current = tabs.update(chatId, List.of(mine.get().withUrl(name, url)))
                        .block();
            } else if (mine.isEmpty()) {
                current = tabs.create(chatId, List.of(ChatTab.url(name, url))).block();
            }
            String tabId = current.stream()
                    .filter(t -> name.equals(t.tabName()) && url.equals(t.url()))
                    .map(ChatTab::tabId)
                    .findFirst()
                    .orElseThrow();
            tabs.sort(chatId, order(current, tabId)).block();
            return Optional.of(tabId);
        } catch (RuntimeException e) {
            log.warn("the model tab of {} could not be set: {}", chatId, e.getMessage());
            return Optional.empty();
        }
    }

    /** Removes every handoff tab of the chat; the ids removed (empty when there were none or Lark refused). */
    public List<String> close(String chatId) {
        if (!LarkIds.isChatId(chatId)) {
            log.warn("no tabs to remove: '{}' is not a chat id", chatId);
            return List.of();
        }
        try {
            List<String> ours = tabs.list(chatId).block().stream()
                    .filter(this::isHandoffTab)
                    .map(ChatTab::tabId)
                    .toList();
            if (!ours.isEmpty()) {
                tabs.delete(chatId, ours).block();
            }
            return ours;
        } catch (RuntimeException e) {
            log.warn("the handoff tabs of {} could not be removed: {}", chatId, e.getMessage());
            return List.of();
        }
    }

    private boolean isHandoffTab(ChatTab tab) {
        if (!"url".equals(tab.tabType()) || tab.url() == null) {
            return false;
        }
        String u = tab.url().replaceAll("/+$", "");
        return u.equals(url.replaceAll("/+$", "")) || PYTHON_SKILL_URLS.contains(u);
    }

    /** The message tab, then the model's tab, then the rest as they were. */
    private static List<String> order(List<ChatTab> current, String modelTab) {
        List<String> ids = new ArrayList<>();
        current.stream().filter(ChatTab::isMessageTab).map(ChatTab::tabId).forEach(ids::add);
        ids.add(modelTab);
        current.stream().map(ChatTab::tabId).filter(id -> !ids.contains(id)).forEach(ids::add);
        return ids;
    }
}
