package dev.larkhandoff.lark.im;

/**
 * A tab of a chat: the built-in {@code message} tab (always first) or a {@code url} tab.
 *
 * @param tabId      null on a tab still to be created
 * @param tabContent what a url tab opens; null on the message tab
 * @param tabConfig  Lark's flags for the tab; null when not sent
 */
public record ChatTab(String tabId, String tabName, String tabType, TabContent tabContent, TabConfig tabConfig) {

    /** A url tab's target. */
    public record TabContent(String url) {}

    /** Whether Lark built the tab in (the message tab) and its icon. */
    public record TabConfig(String iconKey, Boolean isBuiltIn) {}

    /** A url tab to create. */
    public static ChatTab url(String name, String url) {
        return new ChatTab(null, name, "url", new TabContent(url), null);
    }

    /** This tab with another name and url, for an update; the id stays. */
    public ChatTab withUrl(String name, String url) {
        return new ChatTab(tabId, name, "url", new TabContent(url), tabConfig);
    }

    public boolean isMessageTab() {
        return "message".equals(tabType);
    }

    /** The url of a url tab, null otherwise. */
    public String url() {
        return tabContent == null ? null : tabContent.url();
    }
}
