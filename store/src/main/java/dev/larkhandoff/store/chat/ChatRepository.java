package dev.larkhandoff.store.chat;

import static dev.larkhandoff.store.jooq.Tables.CHAT_CONFIG;
import static dev.larkhandoff.store.jooq.Tables.CHAT_MEMBERS;
import static dev.larkhandoff.store.jooq.Tables.SENT_MESSAGES;

import dev.larkhandoff.store.Database;
import dev.larkhandoff.store.Locks;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jooq.DSLContext;

/**
 * What the store knows about a chat: its cached config, its guests and coowners, and what the bot sent there.
 * Changes to a chat's members take that chat's lock ({@link Locks#exclusive}): replacing the list reads it,
 * deletes it and writes the new one, and no other change to it may fall in between.
 */
public final class ChatRepository {

    private final Database db;
    private final Clock clock;

    public ChatRepository(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** The cached config, or the defaults when the chat has none. */
    public ChatConfig config(String chatId) {
        return db.read(ctx -> ctx.selectFrom(CHAT_CONFIG)
                .where(CHAT_CONFIG.CHAT_ID.eq(chatId))
                .fetchOptional(r -> new ChatConfig(
                        r.getChatId(),
                        FilterLevel.of(r.getFilterLevel()),
                        Boolean.TRUE.equals(r.getAutoapprove()),
                        r.getNorms(),
                        r.getPinnedCardMessageId(),
                        r.getCachedAt()))
                .orElse(ChatConfig.defaults(chatId)));
    }

    /** Stores the config as now cached. */
    public void saveConfig(ChatConfig config) {
        long now = clock.millis();
        db.write(ctx -> ctx.insertInto(CHAT_CONFIG)
                .set(CHAT_CONFIG.CHAT_ID, config.chatId())
                .set(CHAT_CONFIG.FILTER_LEVEL, config.filterLevel().column())
                .set(CHAT_CONFIG.AUTOAPPROVE, config.autoapprove())
                .set(CHAT_CONFIG.NORMS, config.norms())
                .set(CHAT_CONFIG.PINNED_CARD_MESSAGE_ID, config.pinnedCardMessageId())
                .set(CHAT_CONFIG.CACHED_AT, now)
                .onConflict(CHAT_CONFIG.CHAT_ID)
                .doUpdate()
                .set(CHAT_CONFIG.FILTER_LEVEL, config.filterLevel().column())
                .set(CHAT_CONFIG.AUTOAPPROVE, config.autoapprove())
                .set(CHAT_CONFIG.NORMS, config.norms())
                .set(CHAT_CONFIG.PINNED_CARD_MESSAGE_ID, config.pinnedCardMessageId())
                .set(CHAT_CONFIG.CACHED_AT, now)
                .execute());
    }

    /** Adds a guest or coowner, or changes their role. */
    public void putMember(String chatId, String openId, String name, MemberRole role) {
        long now = clock.millis();
        db.write(ctx -> {
            lockMembers(ctx, chatId);
            return ctx.insertInto(CHAT_MEMBERS)
                    .set(CHAT_MEMBERS.CHAT_ID, chatId)
                    .set(CHAT_MEMBERS.OPEN_ID, openId)
                    .set(CHAT_MEMBERS.NAME, name)
                    .set(CHAT_MEMBERS.ROLE, role.column())
                    .set(CHAT_MEMBERS.ADDED_AT, now)
                    .onConflict(CHAT_MEMBERS.CHAT_ID, CHAT_MEMBERS.OPEN_ID)
                    .doUpdate()
                    .set(CHAT_MEMBERS.NAME, name)
                    .set(CHAT_MEMBERS.ROLE, role.column())
                    .execute();
        });
    }

    public boolean removeMember(String chatId, String openId) {
        return db.write(ctx -> {
            lockMembers(ctx, chatId);
            return ctx.deleteFrom(CHAT_MEMBERS)
                            .where(CHAT_MEMBERS.CHAT_ID.eq(chatId))
                            .and(CHAT_MEMBERS.OPEN_ID.eq(openId))
                            .execute()
                    == 1;
        });
    }

    public List<ChatMember> members(String chatId) {
        return db.read(ctx -> ctx.selectFrom(CHAT_MEMBERS)
                .where(CHAT_MEMBERS.CHAT_ID.eq(chatId))
                .orderBy(CHAT_MEMBERS.ADDED_AT, CHAT_MEMBERS.OPEN_ID)
                .fetch(r -> new ChatMember(
                        r.getChatId(), r.getOpenId(), r.getName(), MemberRole.of(r.getRole()), r.getAddedAt())));
    }

    public Optional<MemberRole> roleOf(String chatId, String openId) {
        return db.read(ctx -> ctx.select(CHAT_MEMBERS.ROLE)
                .from(CHAT_MEMBERS)
                .where(CHAT_MEMBERS.CHAT_ID.eq(chatId))
                .and(CHAT_MEMBERS.OPEN_ID.eq(openId))
                .fetchOptional(CHAT_MEMBERS.ROLE)
                .map(MemberRole::of));
    }

    /**
     * Makes the chat's guests and coowners exactly these, in one transaction (the group's pinned config card is
     * the source of truth). People already present keep their {@code added_at}; newcomers are added now, in list
     * order.
     */
    public void replaceMembers(String chatId, List<ChatMember> members) {
        long now = clock.millis();
        db.write(ctx -> {
            lockMembers(ctx, chatId);
            Map<String, Long> since = new HashMap<>();
            ctx.select(CHAT_MEMBERS.OPEN_ID, CHAT_MEMBERS.ADDED_AT)
                    .from(CHAT_MEMBERS)
                    .where(CHAT_MEMBERS.CHAT_ID.eq(chatId))
                    .forEach(r -> since.put(r.value1(), r.value2()));
            ctx.deleteFrom(CHAT_MEMBERS).where(CHAT_MEMBERS.CHAT_ID.eq(chatId)).execute();
            Set<String> seen = new HashSet<>();
            for (ChatMember m : members) {
                if (!seen.add(m.openId())) {
                    continue;
                }
                ctx.insertInto(CHAT_MEMBERS)
                        .set(CHAT_MEMBERS.CHAT_ID, chatId)
                        .set(CHAT_MEMBERS.OPEN_ID, m.openId())
                        .set(CHAT_MEMBERS.NAME, m.name())
                        .set(CHAT_MEMBERS.ROLE, m.role().column())
                        // Newcomers get distinct times so members() keeps the order they were given in.
                        .set(CHAT_MEMBERS.ADDED_AT, since.getOrDefault(m.openId(), now + seen.size()))
                        .execute();
            }
            return null;
        });
    }

    /** Forgets the chat's cached config and its guests and coowners (the group is gone); messages stay as history. */
    public void forget(String chatId) {
        db.write(ctx -> {
            lockMembers(ctx, chatId);
            ctx.deleteFrom(CHAT_CONFIG).where(CHAT_CONFIG.CHAT_ID.eq(chatId)).execute();
            ctx.deleteFrom(CHAT_MEMBERS).where(CHAT_MEMBERS.CHAT_ID.eq(chatId)).execute();
            return null;
        });
    }

    private static void lockMembers(DSLContext ctx, String chatId) {
        Locks.exclusive(ctx, "chat_members " + chatId);
    }

    /** Remembers a message the bot sent (a second record of the same id updates it, e.g. a patched card). */
    public void recordSent(SentMessage m) {
        db.write(ctx -> ctx.insertInto(SENT_MESSAGES)
                .set(SENT_MESSAGES.MESSAGE_ID, m.messageId())
                .set(SENT_MESSAGES.CHAT_ID, m.chatId())
                .set(SENT_MESSAGES.SESSION_ID, m.sessionId())
                .set(SENT_MESSAGES.KIND, m.kind() == null ? "message" : m.kind())
                .set(SENT_MESSAGES.TITLE, m.title())
                .set(SENT_MESSAGES.TEXT, m.text())
                .set(SENT_MESSAGES.SENT_AT, m.sentAt() > 0 ? m.sentAt() : clock.millis())
                .onConflict(SENT_MESSAGES.MESSAGE_ID)
                .doUpdate()
                .set(SENT_MESSAGES.KIND, m.kind() == null ? "message" : m.kind())
                .set(SENT_MESSAGES.TITLE, m.title())
                .set(SENT_MESSAGES.TEXT, m.text())
                .execute());
    }

    /** Whether the bot sent this message (its own messages must never be taken for a person's). */
    public boolean isBotSent(String messageId) {
        if (messageId == null || messageId.isBlank()) {
            return false;
        }
        return db.read(ctx -> ctx.fetchExists(SENT_MESSAGES, SENT_MESSAGES.MESSAGE_ID.eq(messageId)));
    }

    /** A message the bot sent, for answering "what was this a reply to" without asking Lark. */
    public Optional<SentMessage> lookupParent(String messageId) {
        return db.read(ctx -> ctx.selectFrom(SENT_MESSAGES)
                .where(SENT_MESSAGES.MESSAGE_ID.eq(messageId))
                .fetchOptional(r -> new SentMessage(
                        r.getMessageId(),
                        r.getChatId(),
                        r.getSessionId(),
                        r.getKind(),
                        r.getTitle(),
                        r.getText(),
                        r.getSentAt())));
    }

    /** The newest message of a kind the bot sent in a chat (the working card to patch, say). */
    public Optional<SentMessage> latestSent(String chatId, String kind) {
        return db.read(ctx -> ctx.selectFrom(SENT_MESSAGES)
                .where(SENT_MESSAGES.CHAT_ID.eq(chatId))
                .and(SENT_MESSAGES.KIND.eq(kind))
                .orderBy(SENT_MESSAGES.SENT_AT.desc(), SENT_MESSAGES.MESSAGE_ID.desc())
                .limit(1)
                .fetchOptional(r -> new SentMessage(
                        r.getMessageId(),
                        r.getChatId(),
                        r.getSessionId(),
                        r.getKind(),
                        r.getTitle(),
                        r.getText(),
                        r.getSentAt())));
    }
}
