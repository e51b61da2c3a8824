package dev.larkhandoff.emulator;

import dev.larkhandoff.emulator.model.EmuApp;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuReaction;
import dev.larkhandoff.emulator.model.EmuResource;
import dev.larkhandoff.emulator.model.EmuTab;
import dev.larkhandoff.emulator.model.EmuUser;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything the emulated platform knows, in memory: apps, tokens, users, chats, messages, reactions and
 * resources. Every method holds the one lock, so the REST routes and the control API see a consistent world.
 */
public final class EmulatorState {

    /** A token handed to an app and when it stops working. */
    public record IssuedToken(String value, String appId, long expiresAtMillis) {}

    private static final Duration FRESH_TOKEN_BELOW = Duration.ofMinutes(30);

    private final Clock clock;
    private final Duration tokenTtl;
    private final Map<String, EmuApp> apps = new LinkedHashMap<>();
    private final Map<String, IssuedToken> tokens = new LinkedHashMap<>();
    private final Map<String, IssuedToken> currentTokenByApp = new LinkedHashMap<>();
    private final Map<String, EmuUser> users = new LinkedHashMap<>();
    private final Map<String, EmuChat> chats = new LinkedHashMap<>();
    private final Map<String, EmuMessage> messages = new LinkedHashMap<>();
    private final Map<String, List<String>> messagesByChat = new LinkedHashMap<>();
    private final Map<String, List<EmuReaction>> reactions = new LinkedHashMap<>();
    private final Map<String, EmuResource> resources = new LinkedHashMap<>();
    private final AtomicInteger tokenFetches = new AtomicInteger();
    private long lastMessageTime;

    public EmulatorState(Clock clock, Duration tokenTtl) {
        this.clock = clock;
        this.tokenTtl = tokenTtl;
    }

    public long now() {
        return clock.millis();
    }

    /** A strictly increasing millisecond timestamp, so messages sort in the order they were made. */
    public synchronized long nextMessageTime() {
        long t = Math.max(clock.millis(), lastMessageTime + 1);
        lastMessageTime = t;
        return t;
    }

    // ---- apps and tokens ----

    public synchronized EmuApp registerApp(String name) {
        return registerApp(Ids.appId(), Ids.appSecret(), name);
    }

    public synchronized EmuApp registerApp(String appId, String appSecret, String name) {
        EmuApp app = new EmuApp(appId, appSecret, name, Ids.openId(), Ids.tenantKey(), "v-" + Ids.hex(12));
        apps.put(app.appId(), app);
        return app;
    }

    public synchronized Optional<EmuApp> app(String appId) {
        return Optional.ofNullable(apps.get(appId));
    }

    public synchronized List<EmuApp> apps() {
        return List.copyOf(apps.values());
    }

    /** The app whose bot has this open_id, if any. */
    public synchronized Optional<EmuApp> appByBotOpenId(String openId) {
        return apps.values().stream().filter(a -> a.botOpenId().equals(openId)).findFirst();
    }

    /**
     * Lark's rule: the current token is returned again unless it has under 30 minutes left, then a new one
     * (the old stays valid until it expires). Empty when the credentials are wrong.
     */
    public synchronized Optional<IssuedToken> issueToken(String appId, String appSecret) {
        tokenFetches.incrementAndGet();
        EmuApp app = apps.get(appId);
        if (app == null || !app.appSecret().equals(appSecret)) {
            return Optional.empty();
        }
        long now = clock.millis();
        IssuedToken current = currentTokenByApp.get(appId);
        if (current != null
                && tokens.containsKey(current.value())
                && current.expiresAtMillis() - now > Math.min(FRESH_TOKEN_BELOW.toMillis(), tokenTtl.toMillis() / 2)) {
            return Optional.of(current);
        }
        IssuedToken fresh = new IssuedToken(Ids.tenantToken(), appId, now + tokenTtl.toMillis());
        tokens.put(fresh.value(), fresh);
        currentTokenByApp.put(appId, fresh);
        return Optional.of(fresh);
    }

    /** The app a bearer token belongs to, if the token exists and has not expired. */
    public synchronized Optional<EmuApp> appForToken(String token) {
        IssuedToken issued = tokens.get(token);
        if (issued == null || issued.expiresAtMillis() <= clock.millis()) {
            return Optional.empty();
        }
        return Optional.ofNullable(apps.get(issued.appId()));
    }

    /** Makes every issued token invalid at once, as if the platform had rotated them. */
    public synchronized void revokeTokens() {
        tokens.clear();
        currentTokenByApp.clear();
    }

    public int tokenFetches() {
        return tokenFetches.get();
    }

    // ---- users ----

    public synchronized EmuUser addUser(String name, String email) {
        EmuUser user = new EmuUser(
                Ids.openId(),
                Ids.unionId(),
                Ids.userId(),
                name,
                email,
                null,
                apps.isEmpty()
                        ? Ids.tenantKey()
                        : apps.values().iterator().next().tenantKey());
        users.put(user.openId(), user);
        return user;
    }

    public synchronized Optional<EmuUser> user(String openId) {
        return Optional.ofNullable(users.get(openId));
    }

    /** Finds a user by open_id, union_id or user_id. */
    public synchronized Optional<EmuUser> userByAnyId(String id) {
        EmuUser direct = users.get(id);
        if (direct != null) {
            return Optional.of(direct);
        }
        return users.values().stream()
                .filter(u -> id.equals(u.unionId()) || id.equals(u.userId()))
                .findFirst();
    }

    public synchronized Optional<EmuUser> userByEmail(String email) {
        return users.values().stream()
                .filter(u -> email.equalsIgnoreCase(u.email()))
                .findFirst();
    }

    public synchronized List<EmuUser> users() {
        return List.copyOf(users.values());
    }

    // ---- chats ----

    public synchronized EmuChat createChat(String name, String description, String chatMode) {
        EmuChat chat = new EmuChat(Ids.chatId(), chatMode == null ? "group" : chatMode, clock.millis());
        chat.name = name == null ? "" : name;
        chat.description = description == null ? "" : description;
        // Every Lark chat starts with the built-in message tab, which cannot be removed and stays first.
        chat.tabs.add(new EmuTab(Ids.tabId(), null, "message", null));
        chats.put(chat.chatId, chat);
        messagesByChat.put(chat.chatId, new ArrayList<>());
        return chat;
    }

    public synchronized Optional<EmuChat> chat(String chatId) {
        return Optional.ofNullable(chats.get(chatId));
    }

    public synchronized List<EmuChat> chats() {
        return List.copyOf(chats.values());
    }

    /** Views of the chats that pass {@code filter}, in creation order, built under the lock (chats are mutable). */
    public synchronized <T> List<T> mapChats(
            java.util.function.Predicate<EmuChat> filter, java.util.function.Function<EmuChat, T> view) {
        List<T> out = new ArrayList<>();
        for (EmuChat chat : chats.values()) {
            if (filter.test(chat)) {
                out.add(view.apply(chat));
            }
        }
        return out;
    }

    public synchronized void dissolveChat(String chatId) {
        chats.remove(chatId);
    }

    /** Runs {@code change} on the chat under the state lock. */
    public synchronized <T> T withChat(String chatId, java.util.function.Function<EmuChat, T> change) {
        EmuChat chat = chats.get(chatId);
        return change.apply(chat);
    }

    // ---- messages ----

    public synchronized EmuMessage putMessage(EmuMessage message) {
        boolean fresh = !messages.containsKey(message.messageId());
        messages.put(message.messageId(), message);
        if (fresh && message.chatId() != null && message.upperMessageId() == null) {
            messagesByChat
                    .computeIfAbsent(message.chatId(), id -> new ArrayList<>())
                    .add(message.messageId());
        }
        return message;
    }

    public synchronized Optional<EmuMessage> message(String messageId) {
        return Optional.ofNullable(messages.get(messageId));
    }

    /** Top-level messages of a chat in creation order (merge_forward children excluded). */
    public synchronized List<EmuMessage> messagesIn(String chatId) {
        List<EmuMessage> out = new ArrayList<>();
        for (String id : messagesByChat.getOrDefault(chatId, List.of())) {
            out.add(messages.get(id));
        }
        return out;
    }

    /** Every message in creation order, including merge_forward children. */
    public synchronized List<EmuMessage> allMessages() {
        return List.copyOf(messages.values());
    }

    /** Every descendant of a merge_forward container, parents before children. */
    public synchronized List<EmuMessage> descendants(String containerId) {
        List<EmuMessage> out = new ArrayList<>();
        collect(containerId, out);
        return out;
    }

    private void collect(String parent, List<EmuMessage> out) {
        for (EmuMessage m : messages.values()) {
            if (parent.equals(m.upperMessageId())) {
                out.add(m);
                collect(m.messageId(), out);
            }
        }
    }

    // ---- reactions ----

    public synchronized EmuReaction addReaction(
            String messageId, String emojiType, String operatorId, String operatorType) {
        EmuReaction reaction =
                new EmuReaction(Ids.reactionId(), messageId, emojiType, operatorId, operatorType, clock.millis());
        reactions.computeIfAbsent(messageId, id -> new ArrayList<>()).add(reaction);
        return reaction;
    }

    public synchronized Optional<EmuReaction> removeReaction(String messageId, String reactionId) {
        List<EmuReaction> list = reactions.getOrDefault(messageId, new ArrayList<>());
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).reactionId().equals(reactionId)) {
                return Optional.of(list.remove(i));
            }
        }
        return Optional.empty();
    }

    public synchronized List<EmuReaction> reactions(String messageId) {
        return List.copyOf(reactions.getOrDefault(messageId, List.of()));
    }

    // ---- resources ----

    public synchronized EmuResource putResource(EmuResource resource) {
        resources.put(resource.key(), resource);
        return resource;
    }

    public synchronized Optional<EmuResource> resource(String key) {
        return Optional.ofNullable(resources.get(key));
    }
}
