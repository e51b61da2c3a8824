package dev.larkhandoff.server.handoff;

import static dev.larkhandoff.server.handoff.HandoffJson.json;
import static dev.larkhandoff.server.handoff.HandoffJson.note;
import static dev.larkhandoff.server.handoff.HandoffJson.settingsJson;

import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.lark.im.Chat;
import dev.larkhandoff.lark.im.Message;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.workspace.Dissolution;
import dev.larkhandoff.server.workspace.DissolvedGroup;
import dev.larkhandoff.server.workspace.GroupConfig;
import dev.larkhandoff.server.workspace.GroupDirectory;
import dev.larkhandoff.server.workspace.GroupMember;
import dev.larkhandoff.server.workspace.GroupScope;
import dev.larkhandoff.server.workspace.LarkIds;
import dev.larkhandoff.server.workspace.ListedGroup;
import dev.larkhandoff.server.workspace.Person;
import dev.larkhandoff.server.workspace.Workspace;
import dev.larkhandoff.server.workspace.WorkspaceGroup;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.chat.MemberRole;
import dev.larkhandoff.store.handoff.Binding;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The groups around a handoff: the caller's chat's members and settings, relays, the admin of the bot's groups. */
public final class HandoffGroups {

    private final LarkClient lark;
    private final Store store;
    private final Supplier<GroupDirectory> directory;
    private final GroupConfig config;
    private final HandoffInbox inbox;
    private final HandoffOutbox outbox;
    private final StopFlags stopFlags;
    private final Clock clock;
    private final HandoffChats chats;

    HandoffGroups(
            LarkClient lark,
            Store store,
            Supplier<GroupDirectory> directory,
            GroupConfig config,
            HandoffInbox inbox,
            HandoffOutbox outbox,
            StopFlags stopFlags,
            Clock clock,
            HandoffChats chats) {
        this.lark = lark;
        this.store = store;
        this.directory = directory;
        this.config = config;
        this.inbox = inbox;
        this.outbox = outbox;
        this.stopFlags = stopFlags;
        this.clock = clock;
        this.chats = chats;
    }

    /** Relays a message to another handoff group: its holder's wait gets it, and the group sees it. */
    public ObjectNode relay(Handoffs.Caller caller, String toChatId, String text) {
        Binding from = chats.bound(caller);
        LarkIds.chatId(toChatId);
        if (toChatId.equals(from.chatId())) {
            throw new HandoffException(
                    HandoffException.Problem.INVALID_ARGUMENT, "cannot relay to the chat you are in");
        }
        requireText(text, "message");
        Optional<Binding> target = store.bindings().find(toChatId);
        if (target.isEmpty()) {
            throw new HandoffException(
                    HandoffException.Problem.INVALID_ARGUMENT,
                    "chat " + toChatId + " has no active handoff; relays go to groups where an agent is waiting");
        }
        Optional<Chat> source = chats.chat(from.chatId());
        String fromName = source.map(Chat::name).orElse(from.chatId());
        String fromWorkspace =
                source.flatMap(c -> Workspace.idIn(c.description())).orElse(null);
        Relay relay = new Relay(text, from.chatId(), fromName, fromWorkspace, clock.millis());
        outbox.send(toChatId, caller.sessionId(), HandoffCards.relay(fromName, text), "relay", "relay", text);
        store.inbox()
                .insertIfAbsent(
                        relay.toInboxEvent(toChatId).withTarget(target.get().sessionId()));
        inbox.changed();
        return json().put("relayed", true).put("to_chat_id", toChatId);
    }

    /** Lists, adds (from the people a message @-mentions, or by open_id) or removes the chat's guests and coowners. */
    public ObjectNode members(
            Handoffs.Caller caller, String action, String fromMessageId, List<String> openIds, String role) {
        Binding b = chats.bound(caller);
        String chatId = b.chatId();
        ObjectNode out = json();
        switch (action == null ? "list" : action) {
            case "list" -> {}
            case "add" -> {
                MemberRole r = "coowner".equalsIgnoreCase(role) ? MemberRole.COOWNER : MemberRole.GUEST;
                List<Person> people = new ArrayList<>();
                Set<String> excluded = new HashSet<>(Set.of(b.operatorOpenId(), b.botOpenId()));
                if (fromMessageId != null) {
                    LarkIds.messageId(fromMessageId, "message_id");
                    Message m = HandoffOutbox.call(
                            "read message " + fromMessageId, lark.messages().get(fromMessageId));
                    people.addAll(Person.mentionedInMessage(m, excluded));
                }
                for (String id : openIds) {
                    if (!excluded.contains(id)) {
                        people.add(new Person(LarkIds.openId(id, "open_ids"), ""));
                    }
                }
                if (people.isEmpty()) {
                    throw new HandoffException(
                            HandoffException.Problem.INVALID_ARGUMENT,
                            "nobody to add: give the "
                                    + "message_id of a message that @-mentions them, or their open_ids");
                }
                note(out, config.addMembers(chatId, people, r));
            }
            case "remove" -> {
                if (openIds.isEmpty()) {
                    throw new HandoffException(
                            HandoffException.Problem.INVALID_ARGUMENT, "give the open_ids to remove");
                }
                note(out, config.removeMembers(chatId, openIds));
            }
            default ->
                throw new HandoffException(
                        HandoffException.Problem.INVALID_ARGUMENT,
                        "action '" + action + "' is not one of list, add, remove");
        }
        ArrayNode list = out.putArray("members");
        for (GroupMember m : config.members(chatId)) {
            list.addObject()
                    .put("open_id", m.openId())
                    .put("name", m.name())
                    .put("role", m.role().column());
        }
        return out;
    }

    /** Reads or changes the chat's settings (filter level, autoapprove, group norms), kept in its pinned card. */
    public ObjectNode settings(
            Handoffs.Caller caller,
            String filter,
            Boolean autoapprove,
            String normKey,
            String normText,
            boolean removeNorm) {
        Binding b = chats.bound(caller);
        String chatId = b.chatId();
        ObjectNode out = json();
        if (filter != null) {
            note(out, config.setFilter(chatId, filter));
        }
        if (autoapprove != null) {
            note(out, config.setAutoapprove(chatId, autoapprove));
        }
        if (normKey != null) {
            if (removeNorm) {
                note(out, config.removeNorm(chatId, normKey));
            } else {
                note(out, config.putNorm(chatId, normKey, requireText(normText, "norm_text")));
            }
        }
        out.set("settings", settingsJson(config.settings(chatId)));
        return out;
    }

    /** The workspace's groups, active or idle and by whom, and the caller's own handoff. */
    public ObjectNode status(Handoffs.Caller caller, String projectDir) {
        Workspace ws = chats.workspaceOf(caller.sessionId(), projectDir);
        var status = directory.get().status(ws, caller.sessionId());
        ObjectNode out = json().put("workspace", ws.id());
        store.bindings()
                .findBySession(caller.sessionId())
                .ifPresent(b -> out.put("chat_id", b.chatId()).put("stop_requested", stopFlags.isRaised(b.chatId())));
        ArrayNode list = out.putArray("groups");
        for (WorkspaceGroup g : status.groups()) {
            ObjectNode o = list.addObject()
                    .put("chat_id", g.chatId())
                    .put("name", g.name())
                    .put("active", g.active());
            if (g.active()) {
                o.put("holder", g.holder()).put("current", g.holder().equals(caller.sessionId()));
            }
        }
        return out.put("text", status.text());
    }

    /** Lists the bot's groups, dissolves one, the empty ones, or the whole workspace (with confirm). */
    public ObjectNode groups(
            Handoffs.Caller caller, String action, String scope, String chatId, boolean confirm, String projectDir) {
        GroupDirectory groups = directory.get();
        ObjectNode out = json();
        switch (action == null ? "list" : action) {
            case "list" -> {
                GroupScope s = GroupScope.of(scope);
                ArrayNode list = out.putArray("groups");
                for (ListedGroup g : groups.listGroups(s)) {
                    ObjectNode o = list.addObject().put("chat_id", g.chatId()).put("name", g.name());
                    if (g.workspaceId() != null) {
                        o.put("workspace", g.workspaceId());
                    }
                    o.set("members", ServerJson.mapper().valueToTree(g.memberNames()));
                }
            }
            case "list_empty" -> {
                ArrayNode list = out.putArray("groups");
                groups.emptyGroups()
                        .forEach(
                                g -> list.addObject().put("chat_id", g.chatId()).put("name", g.name()));
            }
            case "dissolve_empty" -> dissolution(out, groups.dissolveEmptyGroups());
            case "dissolve" -> {
                if (chatId == null) {
                    throw new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, "dissolve needs chat_id");
                }
                chats.requireHandoffGroup(LarkIds.chatId(chatId));
                store.bindings()
                        .find(chatId)
                        .map(Binding::sessionId)
                        .filter(h -> !h.equals(caller.sessionId()))
                        .ifPresent(h -> inbox.lost(h, chatId));
                DissolvedGroup gone = groups.dissolve(chatId);
                if (caller.sessionId().equals(gone.releasedHolder())) {
                    inbox.released(caller.sessionId());
                }
                out.put("dissolved", gone.chatId()).put("name", gone.name());
            }
            case "clear" -> dissolution(out, groups.clear(chats.workspaceOf(caller.sessionId(), projectDir), confirm));
            default ->
                throw new HandoffException(
                        HandoffException.Problem.INVALID_ARGUMENT,
                        "action '" + action + "' is not one of list, list_empty, dissolve_empty, dissolve, clear");
        }
        return out;
    }

    private void dissolution(ObjectNode out, Dissolution d) {
        ArrayNode gone = out.putArray("dissolved");
        for (DissolvedGroup g : d.dissolved()) {
            gone.addObject().put("chat_id", g.chatId()).put("name", g.name());
            released(g);
        }
        ArrayNode failed = out.putArray("failed");
        d.failures().forEach(f -> failed.add(ServerJson.mapper().valueToTree(f)));
    }

    /** A dissolved group's holder loses its chat as if taken over: its wait ends quietly. */
    private void released(DissolvedGroup g) {
        if (g.releasedHolder() != null) {
            inbox.lost(g.releasedHolder(), g.chatId());
        }
    }

    private static String requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, name + " is required");
        }
        return value;
    }
}
