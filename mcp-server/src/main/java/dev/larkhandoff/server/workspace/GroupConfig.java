package dev.larkhandoff.server.workspace;

import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.im.Message;
import dev.larkhandoff.lark.im.OutgoingMessage;
import dev.larkhandoff.lark.im.Pin;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.workspace.WorkspaceException.Problem;
import dev.larkhandoff.store.chat.ChatConfig;
import dev.larkhandoff.store.chat.ChatMember;
import dev.larkhandoff.store.chat.ChatRepository;
import dev.larkhandoff.store.chat.FilterLevel;
import dev.larkhandoff.store.chat.MemberRole;
import dev.larkhandoff.store.chat.SentMessage;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A group's settings (filter level, autoapprove, norms, guests and coowners), kept in its pinned
 * {@code __handoff_config__} card so they follow the group to another machine, and cached in the store for a TTL.
 * Every change reads the card first, so a change made on another machine is not overwritten, then patches the card;
 * when the patch fails (Lark stops accepting patches of old cards) a new card is sent and pinned in its place.
 * Blocks on Lark: call it from a worker thread.
 */
public final class GroupConfig {

    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    /** The {@code sent_messages.kind} of config cards, so the bot never takes its own card for a person's message. */
    public static final String KIND = "config_card";

    static final int MAX_NORM_KEY = 64;
    static final int MAX_NORM_TEXT = 2000;

    private static final Logger log = LoggerFactory.getLogger(GroupConfig.class);

    private final LarkClient lark;
    private final ChatRepository chats;
    private final Clock clock;
    private final Duration ttl;
    /** One writer per chat at a time: a change is a read-modify-write of the card. */
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    /**
     * @param clock the store's clock too: cache times are stamped by the store and aged by this clock
     */
    public GroupConfig(LarkClient lark, ChatRepository chats, Clock clock, Duration ttl) {
        this.lark = Objects.requireNonNull(lark, "lark");
        this.chats = Objects.requireNonNull(chats, "chats");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
    }

    /** The cached settings while younger than the TTL, else re-read from the card; when Lark fails, the cache. */
    public GroupSettings settings(String chatId) {
        LarkIds.chatId(chatId);
        Cached cached = cached(chatId);
        if (cached.cachedAt() > 0 && clock.millis() - cached.cachedAt() < ttl.toMillis()) {
            return cached.settings();
        }
        try {
            synchronized (lock(chatId)) {
                return load(chatId).settings();
            }
        } catch (WorkspaceException e) {
            log.warn("reading the config card of {} failed, using the cached settings: {}", chatId, e.getMessage());
            return cached.settings();
        }
    }

    /** Re-reads the card whatever the cache's age (a handoff start does this); Lark's failure is thrown. */
    public GroupSettings refresh(String chatId) {
        LarkIds.chatId(chatId);
        synchronized (lock(chatId)) {
            return load(chatId).settings();
        }
    }

    /** The settings as cached, without asking Lark. */
    public GroupSettings cachedSettings(String chatId) {
        return cached(LarkIds.chatId(chatId)).settings();
    }

    /** Sets how much tool output the group sees; the change is the level now in force. */
    public ConfigWrite<FilterLevel> setFilter(String chatId, FilterLevel level) {
        Objects.requireNonNull(level, "level");
        return write(chatId, s -> new Change<>(level, s.withFilter(level)));
    }

    /** {@link #setFilter(String, FilterLevel)} from a tool argument: {@code concise}, {@code important} or {@code verbose}. */
    public ConfigWrite<FilterLevel> setFilter(String chatId, String level) {
        return setFilter(chatId, filterLevel(level));
    }

    /** Turns approving tools without asking on or off; the change is the value now in force. */
    public ConfigWrite<Boolean> setAutoapprove(String chatId, boolean on) {
        return write(chatId, s -> new Change<>(on, s.withAutoapprove(on)));
    }

    /** Adds or replaces a norm of the group; the change is the norm's previous text, or null when it is new. */
    public ConfigWrite<String> putNorm(String chatId, String key, String text) {
        String k = normKey(key);
        if (text == null || text.isBlank()) {
            throw new WorkspaceException(Problem.BAD_ARGUMENT, "norm text is required");
        }
        if (text.length() > MAX_NORM_TEXT) {
            throw new WorkspaceException(
                    Problem.BAD_ARGUMENT,
                    "norm text is " + text.length() + " characters; the limit is " + MAX_NORM_TEXT);
        }
        String t = text.strip();
        return write(chatId, s -> new Change<>(s.norms().get(k), s.withNorm(k, t)));
    }

    /** Removes a norm; the change is its text, or null when the group had no such norm (nothing is written then). */
    public ConfigWrite<String> removeNorm(String chatId, String key) {
        String k = normKey(key);
        return write(chatId, s -> new Change<>(s.norms().get(k), s.norms().containsKey(k) ? s.withoutNorm(k) : s));
    }

    /** The group's norms, key to text. */
    public Map<String, String> norms(String chatId) {
        return settings(chatId).norms();
    }

    /**
     * Adds people (the mentions of a message) as guests or coowners; someone already present takes the new role.
     * The change is the members added or whose role changed.
     */
    public ConfigWrite<List<GroupMember>> addMembers(String chatId, List<Person> people, MemberRole role) {
        Objects.requireNonNull(role, "role");
        if (people == null || people.isEmpty()) {
            throw new WorkspaceException(Problem.BAD_ARGUMENT, "name at least one person to add (mention them)");
        }
        return write(chatId, s -> {
            Map<String, GroupMember> changed = new LinkedHashMap<>();
            for (Person p : people) {
                if (!s.roleOf(p.openId()).equals(Optional.of(role))) {
                    changed.putIfAbsent(p.openId(), new GroupMember(p.openId(), p.name(), role));
                }
            }
            List<GroupMember> added = List.copyOf(changed.values());
            return new Change<>(added, s.withMembers(added));
        });
    }

    /** Removes guests or coowners by open_id; the change is the members removed. */
    public ConfigWrite<List<GroupMember>> removeMembers(String chatId, Collection<String> openIds) {
        if (openIds == null || openIds.isEmpty()) {
            throw new WorkspaceException(Problem.BAD_ARGUMENT, "name at least one open_id to remove");
        }
        List<String> ids = List.copyOf(openIds);
        return write(chatId, s -> {
            List<GroupMember> removed =
                    s.members().stream().filter(m -> ids.contains(m.openId())).toList();
            return new Change<>(removed, s.withoutMembers(ids));
        });
    }

    /** The group's guests and coowners as this machine knows them. */
    public List<GroupMember> members(String chatId) {
        return cachedSettings(chatId).members();
    }

    /**
     * Pins a config card with the settings cached for a group that has none (a group just created); Lark's failure
     * is thrown, so the caller can undo the group.
     */
    void initialize(String chatId) {
        synchronized (lock(chatId)) {
            Cached cached = cached(chatId);
            String pin = writeCard(chatId, cached.settings(), null);
            cache(cached.settings(), pin);
        }
    }

    /** What a change did and the settings after it. */
    private record Change<T>(T value, GroupSettings settings) {}

    /** The cached settings, the pinned card they came from (null: none known) and when they were cached (0: never). */
    private record Cached(GroupSettings settings, String pinMessageId, long cachedAt) {}

    private <T> ConfigWrite<T> write(String chatId, Function<GroupSettings, Change<T>> change) {
        LarkIds.chatId(chatId);
        synchronized (lock(chatId)) {
            Cached base;
            String unsynced = null;
            try {
                base = load(chatId);
            } catch (WorkspaceException e) {
                if (e.problem() != Problem.LARK_ERROR) {
                    throw e; // an unknown chat or one the bot left is the caller's mistake, not a sync problem
                }
                // Writing over a card we could not read could undo another machine's change: keep this one local.
                base = cached(chatId);
                unsynced = e.getMessage();
            }
            Change<T> c = change.apply(base.settings());
            if (c.settings().equals(base.settings())) {
                return new ConfigWrite<>(c.value(), base.settings(), unsynced);
            }
            String pin = base.pinMessageId();
            if (unsynced == null) {
                try {
                    pin = writeCard(chatId, c.settings(), pin);
                } catch (WorkspaceException e) {
                    unsynced = e.getMessage();
                    log.warn(
                            "the config card of {} could not be written; the change stays on this machine: {}",
                            chatId,
                            e.getMessage());
                }
            }
            cache(c.settings(), pin);
            return new ConfigWrite<>(c.value(), c.settings(), unsynced);
        }
    }

    /** Reads the pinned card into the cache; with no card, the cached settings stand (they may not have reached Lark yet). */
    private Cached load(String chatId) {
        Cached cached = cached(chatId);
        Optional<Cached> pinned = findPinned(chatId, cached.pinMessageId());
        GroupSettings settings = pinned.map(Cached::settings).orElse(cached.settings());
        String pin = pinned.map(Cached::pinMessageId).orElse(null);
        cache(settings, pin);
        return cached(chatId);
    }

    private Optional<Cached> findPinned(String chatId, String knownPin) {
        List<Pin> pins = LarkCalls.call(
                "listing the pins of " + chatId,
                chatId,
                lark.pins().listAll(chatId).collectList());
        List<String> ids = new ArrayList<>(pins.stream().map(Pin::messageId).toList());
        // The card found last time is the likeliest, so it is read first.
        if (knownPin != null && ids.remove(knownPin)) {
            ids.add(0, knownPin);
        }
        for (String id : ids) {
            Message message;
            try {
                message = lark.messages().get(id).block();
            } catch (LarkException e) {
                log.warn("pinned message {} of {} could not be read: {}", id, chatId, e.getMessage());
                continue;
            }
            if (message == null || !"interactive".equals(message.msgType())) {
                continue;
            }
            Optional<GroupSettings> settings = ConfigCard.parse(chatId, message.content());
            if (settings.isPresent()) {
                return Optional.of(new Cached(settings.get(), id, 0));
            }
        }
        return Optional.empty();
    }

    /** Puts the settings on the group's card: patches the pinned one, else sends and pins a new one; the pin's id. */
    private String writeCard(String chatId, GroupSettings settings, String pinned) {
        ObjectNode card = ConfigCard.build(settings);
        if (pinned != null) {
            try {
                lark.messages().patchCard(pinned, card).block();
                return pinned;
            } catch (LarkException e) {
                log.info(
                        "patching config card {} of {} failed ({}); pinning a new one", pinned, chatId, e.getMessage());
                quietly(
                        "unpin old config card",
                        () -> lark.pins().delete(pinned).block());
                quietly(
                        "recall old config card",
                        () -> lark.messages().recall(pinned).block());
            }
        }
        Message sent = LarkCalls.call(
                "sending the config card to " + chatId,
                chatId,
                lark.messages().sendToChat(chatId, OutgoingMessage.interactive(card)));
        chats.recordSent(
                new SentMessage(sent.messageId(), chatId, null, KIND, ConfigCard.TITLE, null, sent.createTime()));
        try {
            LarkCalls.call(
                    "pinning the config card in " + chatId, chatId, lark.pins().create(sent.messageId()));
        } catch (WorkspaceException e) {
            // An unpinned config card would never be found again; take it back rather than leave it in the chat.
            quietly(
                    "recall unpinned config card",
                    () -> lark.messages().recall(sent.messageId()).block());
            throw e;
        }
        return sent.messageId();
    }

    private Cached cached(String chatId) {
        ChatConfig row = chats.config(chatId);
        List<GroupMember> members = chats.members(chatId).stream()
                .map(m -> new GroupMember(m.openId(), m.name(), m.role()))
                .toList();
        GroupSettings settings =
                new GroupSettings(chatId, row.filterLevel(), row.autoapprove(), normsOf(row.norms()), members);
        return new Cached(settings, row.pinnedCardMessageId(), row.cachedAt());
    }

    private void cache(GroupSettings s, String pin) {
        chats.saveConfig(new ChatConfig(s.chatId(), s.filter(), s.autoapprove(), normsJson(s.norms()), pin, 0));
        chats.replaceMembers(
                s.chatId(),
                s.members().stream()
                        .map(m -> new ChatMember(s.chatId(), m.openId(), m.name(), m.role(), 0))
                        .toList());
    }

    /** Norms sit in the store's {@code norms} column as a JSON object; an empty column is no norms. */
    private static Map<String, String> normsOf(String column) {
        Map<String, String> out = new LinkedHashMap<>();
        if (column == null || column.isBlank()) {
            return out;
        }
        try {
            JsonNode node = ServerJson.mapper().readTree(column);
            if (node.isObject()) {
                node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asString("")));
            } else {
                out.put("default", column);
            }
        } catch (JacksonException e) {
            out.put("default", column);
        }
        return out;
    }

    private static String normsJson(Map<String, String> norms) {
        if (norms.isEmpty()) {
            return "";
        }
        ObjectNode o = ServerJson.mapper().createObjectNode();
        norms.forEach(o::put);
        return ServerJson.mapper().writeValueAsString(o);
    }

    private static FilterLevel filterLevel(String level) {
        if (level != null) {
            for (FilterLevel f : FilterLevel.values()) {
                if (f.column().equals(level.strip().toLowerCase(Locale.ROOT))) {
                    return f;
                }
            }
        }
        throw new WorkspaceException(
                Problem.BAD_ARGUMENT, "filter level '" + level + "' is not one of concise, important, verbose");
    }

    private static String normKey(String key) {
        if (key == null || key.isBlank()) {
            throw new WorkspaceException(Problem.BAD_ARGUMENT, "norm key is required");
        }
        String k = key.strip();
        if (k.length() > MAX_NORM_KEY) {
            throw new WorkspaceException(
                    Problem.BAD_ARGUMENT, "norm key is " + k.length() + " characters; the limit is " + MAX_NORM_KEY);
        }
        return k;
    }

    private Object lock(String chatId) {
        return locks.computeIfAbsent(chatId, id -> new Object());
    }

    private static void quietly(String what, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            log.debug("{} failed: {}", what, e.getMessage());
        }
    }
}
