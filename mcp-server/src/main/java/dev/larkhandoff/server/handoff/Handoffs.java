package dev.larkhandoff.server.handoff;

import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.lark.im.Chat;
import dev.larkhandoff.lark.im.Message;
import dev.larkhandoff.lark.im.OutgoingMessage;
import dev.larkhandoff.lark.im.ResourceApi;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.routing.WakeSignal;
import dev.larkhandoff.server.tool.ToolFailure;
import dev.larkhandoff.server.workspace.ChatIds;
import dev.larkhandoff.server.workspace.ChatTabs;
import dev.larkhandoff.server.workspace.ConfigWrite;
import dev.larkhandoff.server.workspace.Dissolution;
import dev.larkhandoff.server.workspace.DissolvedGroup;
import dev.larkhandoff.server.workspace.GroupConfig;
import dev.larkhandoff.server.workspace.GroupDirectory;
import dev.larkhandoff.server.workspace.GroupMember;
import dev.larkhandoff.server.workspace.GroupScope;
import dev.larkhandoff.server.workspace.GroupSettings;
import dev.larkhandoff.server.workspace.HandoffAgent;
import dev.larkhandoff.server.workspace.ListedGroup;
import dev.larkhandoff.server.workspace.Person;
import dev.larkhandoff.server.workspace.StartMode;
import dev.larkhandoff.server.workspace.StartOutcome;
import dev.larkhandoff.server.workspace.StartRequest;
import dev.larkhandoff.server.workspace.TakeoverOutcome;
import dev.larkhandoff.server.workspace.Workspace;
import dev.larkhandoff.server.workspace.WorkspaceException;
import dev.larkhandoff.server.workspace.WorkspaceGroup;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.chat.MemberRole;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.inbox.InboxRow;
import dev.larkhandoff.store.session.SessionRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The handoff workflow as the daemon runs it for one session at a time: start (pick, make, take over or join a
 * group), the reply loop, sending, media, members and settings, and the admin of a workspace's groups. Each method
 * answers the JSON the agent reads; failures are {@link HandoffException} or {@link WorkspaceException} with a
 * message that says what to do. Blocks on Lark: call it from a worker thread.
 */
public final class Handoffs {

    private static final Logger log = LoggerFactory.getLogger(Handoffs.class);

    /** Who asks: the session. */
    public record Caller(String sessionId) {}

    /** How {@link #start} was asked to pick its group. */
    public record StartArgs(
            StartMode mode,
            String groupName,
            String sidecarChatId,
            String takeoverChatId,
            String expectedHolder,
            String model,
            String tool,
            String projectDir) {}

    private final LarkClient lark;
    private final Store store;
    private final Supplier<GroupDirectory> directory;
    private final GroupConfig config;
    private final ChatTabs tabs;
    private final HandoffInbox inbox;
    private final HandoffOutbox outbox;
    private final StopFlags stopFlags;
    private final MediaDownloads media;
    private final ParentLookup parents;
    private final MergeForward forwards;
    private final Clock clock;
    private final String machine;

    /**
     * @param directory the group directory, made on first use (it needs the operator, looked up in Lark by email)
     * @param machine   this computer's name, as group names show it
     */
    public Handoffs(
            LarkClient lark,
            Store store,
            Supplier<GroupDirectory> directory,
            GroupConfig config,
            HandoffInbox inbox,
            HandoffOutbox outbox,
            StopFlags stopFlags,
            MediaDownloads media,
            Clock clock,
            String machine) {
        this.lark = lark;
        this.store = store;
        this.directory = directory;
        this.config = config;
        this.tabs = new ChatTabs(lark.chatTabs());
        this.inbox = inbox;
        this.outbox = outbox;
        this.stopFlags = stopFlags;
        this.media = media;
        this.parents = new ParentLookup(store.chats(), lark.messages());
        this.forwards = new MergeForward(lark.messages());
        this.clock = clock;
        this.machine = machine;
    }

    // ---- start and end ----

    /** Starts a handoff for the caller: binds it to a group, posts the start card, opens the model's tab. */
    public ObjectNode start(Caller caller, StartArgs args) {
        HandoffAgent agent = new HandoffAgent(caller.sessionId(), args.model(), args.tool());
        GroupDirectory groups = directory.get();
        Binding bound;
        boolean created = false;
        GroupSettings settings;
        String groupName;
        ObjectNode out = json();
        Optional<Binding> held = store.bindings().findBySession(caller.sessionId());
        if (held.isPresent() && !held.get().chatId().equals(args.takeoverChatId())) {
            return out.put("status", "already_active")
                    .put("chat_id", held.get().chatId())
                    .put(
                            "hint",
                            "this session already holds a chat; call wait_for_reply to continue, or "
                                    + "handoff_end first to move elsewhere");
        }
        // Whatever came before (a chat lost to a takeover, replies never answered) belongs to the old handoff.
        inbox.released(caller.sessionId());
        if (args.takeoverChatId() != null) {
            String chatId = ChatIds.require(args.takeoverChatId());
            Optional<String> holder = store.bindings().find(chatId).map(Binding::sessionId);
            String expected = args.expectedHolder() != null ? args.expectedHolder() : holder.orElse(null);
            // The holder is told before the swap, so its wait never sees its chat vanish unexplained; should the
            // swap be refused, the holder it names had lost the chat already.
            holder.filter(h -> h.equals(expected) && !h.equals(caller.sessionId()))
                    .ifPresent(h -> inbox.lost(h, chatId));
            TakeoverOutcome outcome = groups.takeover(chatId, agent, expected);
            if (outcome instanceof TakeoverOutcome.Refused refused) {
                return out.put("status", "refused")
                        .put("chat_id", chatId)
                        .put("holder", refused.currentHolder())
                        .put("hint", "the group changed hands since you looked; call handoff_start again to see it");
            }
            TakeoverOutcome.TookOver took = (TakeoverOutcome.TookOver) outcome;
            if (took.previousHolder() != null && !took.previousHolder().equals(caller.sessionId())) {
                out.put("previous_holder", took.previousHolder());
            }
            bound = took.binding();
            settings = took.settings();
            groupName = chatName(bound.chatId());
        } else {
            StartOutcome outcome = args.sidecarChatId() != null
                    ? groups.startSidecar(args.sidecarChatId(), agent)
                    : groups.start(
                            workspaceOf(caller.sessionId(), args.projectDir()),
                            new StartRequest(agent, args.mode(), args.groupName()));
            if (outcome instanceof StartOutcome.AlreadyActive active) {
                return out.put("status", "already_active")
                        .put("chat_id", active.binding().chatId())
                        .put("hint", "this session already holds that chat; call wait_for_reply to continue the loop");
            }
            if (outcome instanceof StartOutcome.Choose choose) {
                out.put("status", "choose");
                ArrayNode list = out.putArray("occupied");
                for (WorkspaceGroup g : choose.occupied()) {
                    ObjectNode o = list.addObject().put("chat_id", g.chatId()).put("name", g.name());
                    o.put("holder", g.holder());
                    if (g.binding() != null && g.binding().model() != null) {
                        o.put("model", g.binding().model());
                    }
                }
                return out.put(
                        "hint",
                        "every group of this workspace is in use: ask the user, then call "
                                + "handoff_start with takeover_chat_id to take one over, or mode \"new\" for a new group");
            }
            StartOutcome.Ready ready = (StartOutcome.Ready) outcome;
            bound = ready.binding();
            created = ready.created();
            settings = ready.settings();
            groupName = ready.group().name();
            dropStale(bound.chatId());
        }
        String chatId = bound.chatId();
        inbox.wake();
        try {
            outbox.send(
                    chatId,
                    caller.sessionId(),
                    HandoffCards.start(
                            agent.tool(),
                            agent.model(),
                            LocalTime.now(clock.withZone(java.time.ZoneId.systemDefault()))),
                    "status",
                    "start",
                    "handoff started");
        } catch (HandoffException e) {
            log.warn("the start card could not be posted to {}: {}", chatId, e.getMessage());
            out.put("warning", "the start card could not be posted: " + e.getMessage());
        }
        if (agent.model() != null) {
            tabs.open(chatId, agent.model());
        }
        out.put("status", "started")
                .put("chat_id", chatId)
                .put("group_name", groupName)
                .put("created", created)
                .put("need_mention", bound.needMention());
        out.set("settings", settingsJson(settings));
        return out.put("next", "call wait_for_reply and follow the replies until the user says handback");
    }

    /** Hands the conversation back: the hand-back card, the tab removed, the binding released, and optionally the group dissolved. */
    public ObjectNode end(Caller caller, String body, boolean dissolve) {
        Binding b = bound(caller);
        String chatId = b.chatId();
        if (dissolve) {
            requireHandoffGroup(chatId);
        }
        outbox.finishWorking(chatId);
        outbox.clearThinking(chatId);
        ObjectNode out = json();
        try {
            outbox.send(
                    chatId,
                    caller.sessionId(),
                    HandoffCards.handBack(b.tool(), body),
                    "status",
                    "end",
                    body == null ? "hand back" : body);
        } catch (HandoffException e) {
            out.put("warning", "the hand-back card could not be posted: " + e.getMessage());
        }
        tabs.close(chatId);
        store.bindings().release(chatId, caller.sessionId());
        stopFlags.clear(chatId);
        inbox.released(caller.sessionId());
        out.put("status", "ended").put("chat_id", chatId);
        if (dissolve) {
            try {
                DissolvedGroup gone = directory.get().dissolve(chatId);
                out.put("dissolved", true).put("group_name", gone.name());
            } catch (WorkspaceException e) {
                // The handoff has ended either way; only the clean-up failed, and the agent should say so.
                out.put("dissolved", false).put("dissolve_error", e.getMessage());
            }
        }
        return out;
    }

    // ---- the loop ----

    /** Waits for replies in the caller's chat. */
    public ObjectNode await(Caller caller, Duration timeout, WakeSignal.Progress progress) throws InterruptedException {
        HandoffInbox.Outcome outcome = inbox.await(caller.sessionId(), timeout, progress);
        ObjectNode out = json();
        if (outcome instanceof HandoffInbox.Outcome.Replies r) {
            outbox.thinking(r.binding().chatId(), r.replies());
            ArrayNode list = out.putArray("replies");
            r.replies().forEach(reply -> list.add(reply.toJson()));
            out.put("count", r.replies().size());
            if (r.more()) {
                out.put("more", true);
            }
            if (stopFlags.isRaised(r.binding().chatId())) {
                out.put("stop_requested", true);
            }
            return out;
        }
        if (outcome instanceof HandoffInbox.Outcome.TakenOver) {
            return takeover();
        }
        if (outcome instanceof HandoffInbox.Outcome.TimedOut) {
            return out.put("timeout", true);
        }
        throw notBound();
    }

    /**
     * Posts a card to the caller's chat for the agent (its answer, a question, a status); the replies it was handed
     * count as read.
     *
     * @param answer whether this answers the user, so that where the bot must be @-mentioned the operator is
     *               mentioned; progress notes do not ping anyone
     */
    public ObjectNode send(Caller caller, OutgoingCard card, boolean answer) {
        Binding b = bound(caller);
        inbox.answered(caller.sessionId());
        HandoffOutbox.Sent sent = outbox.post(
                b.chatId(),
                caller.sessionId(),
                card.toJson(b.chatId(), mentionFor(b, card, answer)),
                card.kind(),
                card.title(),
                card.text());
        return json().put("sent", true).put("message_id", sent.messageId());
    }

    /** The working card (grey, elapsed time, Stop): posted once, then updated in place; the next send makes it "Done". */
    public ObjectNode working(Caller caller, String summary) {
        Binding b = bound(caller);
        HandoffOutbox.Sent sent = outbox.working(b.chatId(), caller.sessionId(), summary);
        return json().put("working_card", sent.messageId());
    }

    /** Whether the session's waits are the handoff loop's: it holds a chat, or lost one and was not told yet. */
    public boolean isBound(String sessionId) {
        return store.bindings().findBySession(sessionId).isPresent() || inbox.hasLostNotice(sessionId);
    }

    /** Whether Stop was pressed in the caller's chat (the next tool call should stop). */
    public boolean stopRequested(String sessionId) {
        return store.bindings()
                .findBySession(sessionId)
                .map(b -> stopFlags.isRaised(b.chatId()))
                .orElse(false);
    }

    /** Relays a message to another handoff group: its holder's wait gets it, and the group sees it. */
    public ObjectNode relay(Caller caller, String toChatId, String text) {
        Binding from = bound(caller);
        ChatIds.require(toChatId);
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
        Optional<Chat> source = chat(from.chatId());
        String fromName = source.map(Chat::name).orElse(from.chatId());
        String fromWorkspace =
                source.flatMap(c -> Workspace.idIn(c.description())).orElse(null);
        Relay relay = new Relay(text, from.chatId(), fromName, fromWorkspace, clock.millis());
        outbox.send(toChatId, caller.sessionId(), HandoffCards.relay(fromName, text), "relay", "relay", text);
        store.inbox()
                .insertIfAbsent(
                        relay.toInboxEvent(toChatId).withTarget(target.get().sessionId()));
        inbox.wake();
        return json().put("relayed", true).put("to_chat_id", toChatId);
    }

    // ---- media and context ----

    /** Downloads an image or file of a message into the downloads folder and says where it is. */
    public ObjectNode download(Caller caller, String messageId, String imageKey, String fileKey, String fileName) {
        requireInChat(bound(caller), messageId);
        media.prune(Duration.ofDays(1), clock.instant());
        Path path;
        if (imageKey != null) {
            path = media.downloadImage(messageId, imageKey);
        } else if (fileKey != null) {
            path = media.downloadFile(messageId, fileKey, fileName);
        } else {
            throw new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, "give image_key or file_key");
        }
        long size;
        try {
            size = Files.size(path);
        } catch (java.io.IOException e) {
            size = -1;
        }
        return json().put("path", path.toString()).put("bytes", size);
    }

    /** Uploads a local image or file and sends it to the caller's chat. */
    public ObjectNode sendFile(Caller caller, Path file, boolean asImage) {
        Binding b = bound(caller);
        file = sendable(file);
        inbox.answered(caller.sessionId());
        outbox.clearThinking(b.chatId());
        outbox.finishWorking(b.chatId());
        String name = file.getFileName().toString();
        Message sent;
        if (asImage) {
            String key = HandoffOutbox.call(
                    "upload image " + name, lark.resources().uploadImage(file, ResourceApi.ImageType.MESSAGE));
            sent = HandoffOutbox.call(
                    "send image " + name, lark.messages().sendToChat(b.chatId(), OutgoingMessage.image(key)));
        } else {
            String key = HandoffOutbox.call(
                    "upload file " + name, lark.resources().uploadFile(file, fileType(name), name, null));
            sent = HandoffOutbox.call(
                    "send file " + name, lark.messages().sendToChat(b.chatId(), OutgoingMessage.file(key)));
        }
        store.chats()
                .recordSent(new dev.larkhandoff.store.chat.SentMessage(
                        sent.messageId(),
                        b.chatId(),
                        caller.sessionId(),
                        asImage ? "image" : "file",
                        null,
                        name,
                        clock.millis()));
        return json().put("sent", true).put("message_id", sent.messageId());
    }

    /** A message by id, read as a reply: the bot's own from the store first, else Lark; a merge_forward with its messages. */
    public ObjectNode message(Caller caller, String messageId) {
        bound(caller);
        LarkIds.messageId(messageId, "message_id");
        Optional<ParentMessage> found = parents.find(messageId);
        if (found.isEmpty()) {
            return json().put("found", false).put("message_id", messageId);
        }
        ObjectNode out = found.get().toJson();
        if ("merge_forward".equals(found.get().msgType())) {
            ArrayNode list = out.putArray("messages");
            forwards.expand(messageId).forEach(m -> list.add(m.toJson()));
        }
        return out;
    }

    /**
     * The chat's recent messages as the daemon stored them, filtered ones included with the reason: the newest
     * {@code limit}, as many of them as fit in one page ({@link HandoffInbox#PAGE_BYTES}); {@code more} says older
     * ones were left out for size.
     */
    public ObjectNode history(Caller caller, int limit) {
        Binding b = bound(caller);
        List<InboxRow> rows = store.inbox().history(b.chatId(), limit);
        java.util.Deque<ObjectNode> newestLast = new java.util.ArrayDeque<>();
        long bytes = 0;
        int left = 0;
        for (int i = rows.size() - 1; i >= 0; i--) {
            ObjectNode o = historyEntry(rows.get(i));
            long size = ServerJson.mapper().writeValueAsBytes(o).length;
            if (!newestLast.isEmpty() && bytes + size > HandoffInbox.PAGE_BYTES) {
                left = i + 1;
                break;
            }
            bytes += size;
            newestLast.addFirst(o);
        }
        ObjectNode out = json().put("chat_id", b.chatId());
        ArrayNode list = out.putArray("messages");
        newestLast.forEach(list::add);
        if (left > 0) {
            out.put("more", true).put("left_out", left);
        }
        return out;
    }

    private ObjectNode historyEntry(InboxRow row) {
        ObjectNode o = json();
        var e = row.event();
        o.put("event_type", e.eventType());
        if (e.messageId() != null) {
            o.put("message_id", e.messageId());
        }
        o.put("sender_id", e.senderOpenId());
        o.put("text", e.normalizedText());
        o.put("state", row.state().column());
        if (row.filterReason() != null) {
            o.put("filter_reason", row.filterReason());
        }
        o.put("received_at", row.receivedAt());
        return o;
    }

    // ---- members and settings ----

    /** Lists, adds (from the people a message @-mentions, or by open_id) or removes the chat's guests and coowners. */
    public ObjectNode members(Caller caller, String action, String fromMessageId, List<String> openIds, String role) {
        Binding b = bound(caller);
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
            Caller caller, String filter, Boolean autoapprove, String normKey, String normText, boolean removeNorm) {
        Binding b = bound(caller);
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

    // ---- admin ----

    /** The workspace's groups, active or idle and by whom, and the caller's own handoff. */
    public ObjectNode status(Caller caller, String projectDir) {
        Workspace ws = workspaceOf(caller.sessionId(), projectDir);
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
            Caller caller, String action, String scope, String chatId, boolean confirm, String projectDir) {
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
                requireHandoffGroup(ChatIds.require(chatId));
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
            case "clear" -> dissolution(out, groups.clear(workspaceOf(caller.sessionId(), projectDir), confirm));
            default ->
                throw new HandoffException(
                        HandoffException.Problem.INVALID_ARGUMENT,
                        "action '" + action + "' is not one of list, list_empty, dissolve_empty, dissolve, clear");
        }
        return out;
    }

    // ---- helpers ----

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

    /** The caller's binding; a caller that lost its chat is told so (once), else that it has none. */
    private Binding bound(Caller caller) {
        Optional<Binding> b = store.bindings().findBySession(caller.sessionId());
        if (b.isPresent()) {
            return b.get();
        }
        if (inbox.takeLostNotice(caller.sessionId()).isPresent()) {
            throw new TakenOver();
        }
        throw notBound();
    }

    /** The caller's chat was taken over or dissolved; the tools answer {@code {"takeover": true}}. */
    public static final class TakenOver extends RuntimeException implements ToolFailure {
        TakenOver() {
            super("another session took this handoff's group over", null, false, false);
        }

        /** Not an error: the agent's cue to stop quietly, as a wait would have told it. */
        @Override
        public Reads reads() {
            return Reads.AS_ANSWER;
        }

        @Override
        public String text() {
            return takeover().toString();
        }
    }

    /** What a session that lost its chat is told: stop quietly. */
    public static ObjectNode takeover() {
        return json().put("takeover", true);
    }

    /** Rows left pending in the chat from before this handoff (no session listened then) are not the agent's. */
    private void dropStale(String chatId) {
        long before = clock.millis() - 5_000;
        for (InboxRow row : store.inbox().pendingIn(chatId)) {
            if (row.receivedAt() < before) {
                store.inbox().markFiltered(row.dedupeKey(), "before_handoff: received before this handoff started");
            }
        }
    }

    /** Only groups made for handoffs may be dissolved: an external (sidecar) group is the people's, not ours. */
    private void requireHandoffGroup(String chatId) {
        Chat c = chat(chatId)
                .orElseThrow(
                        () -> new HandoffException(HandoffException.Problem.NOT_FOUND, "Lark knows no chat " + chatId));
        if (Workspace.idIn(c.description()).isEmpty()) {
            throw new HandoffException(
                    HandoffException.Problem.INVALID_ARGUMENT,
                    "chat " + chatId + " (" + c.name()
                            + ") is not a handoff group (its description carries no workspace tag); only groups made for "
                            + "handoffs are dissolved");
        }
    }

    /** Media are fetched only for messages of the caller's own chat, so no one reaches into another chat. */
    private void requireInChat(Binding b, String messageId) {
        LarkIds.messageId(messageId, "message_id");
        boolean ours = store.inbox()
                .chatOfMessage(messageId)
                .map(b.chatId()::equals)
                .or(() -> store.chats()
                        .lookupParent(messageId)
                        .map(m -> b.chatId().equals(m.chatId())))
                .orElse(false);
        if (!ours) {
            throw new HandoffException(
                    HandoffException.Problem.INVALID_ARGUMENT,
                    "message " + messageId + " is not a message of this handoff's chat");
        }
    }

    /**
     * A file the agent may post: an existing regular file given by absolute path, and not one of this program's
     * own (its config holds the app secret, its token guards the HTTP front), links followed first.
     */
    private Path sendable(Path file) {
        if (!file.isAbsolute()) {
            throw new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, "path must be absolute, got " + file);
        }
        Path real;
        try {
            real = file.toRealPath();
        } catch (java.io.IOException e) {
            throw new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, "no such file: " + file);
        }
        if (!Files.isRegularFile(real)) {
            throw new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, "not a regular file: " + file);
        }
        Path home = media.directory().getParent();
        try {
            home = home.toRealPath();
        } catch (java.io.IOException e) {
            // the home exists while the daemon runs; if not, the comparison below uses it as given
        }
        if (real.startsWith(home) && !real.startsWith(media.directory())) {
            throw new HandoffException(
                    HandoffException.Problem.INVALID_ARGUMENT,
                    "refusing to send " + file + ": it is one of lark-handoff's own files (" + home
                            + " holds the app secret and tokens)");
        }
        return real;
    }

    private static HandoffException notBound() {
        return new HandoffException(
                HandoffException.Problem.INVALID_ARGUMENT,
                "this session has no active handoff; call handoff_start first");
    }

    /** In a chat where the bot must be @-mentioned, answers @-mention the operator unless the agent names someone. */
    private static String mentionFor(Binding b, OutgoingCard card, boolean answer) {
        if (card.mentionOpenId() != null) {
            return LarkIds.openId(card.mentionOpenId(), "mention");
        }
        return answer && b.needMention() && !b.operatorOpenId().isEmpty() ? b.operatorOpenId() : null;
    }

    private Workspace workspaceOf(String sessionId, String projectDir) {
        String dir = projectDir;
        if (dir == null) {
            dir = store.sessions()
                    .find(sessionId)
                    .map(SessionRecord::metadataJson)
                    .map(m -> ServerJson.mapper().readTree(m).path("cwd").asString(null))
                    .orElse(null);
        }
        if (dir == null || dir.isBlank()) {
            throw new HandoffException(
                    HandoffException.Problem.INVALID_ARGUMENT,
                    "this session did not say which "
                            + "project it works in (CLAUDE_PROJECT_DIR; LARK_HANDOFF_META_CWD or the X-Lark-Handoff-Meta-Cwd header for "
                            + "other clients); pass project_dir");
        }
        Path path = Path.of(dir);
        String worktree = path.getFileName() == null
                ? "root"
                : path.getFileName().toString().replace("@", "-");
        return Workspace.of(worktree, machine, path);
    }

    private String chatName(String chatId) {
        return chat(chatId).map(Chat::name).orElse(chatId);
    }

    private Optional<Chat> chat(String chatId) {
        try {
            return Optional.of(
                    HandoffOutbox.call("read chat " + chatId, lark.chats().get(chatId)));
        } catch (HandoffException e) {
            return Optional.empty();
        }
    }

    private static ObjectNode settingsJson(GroupSettings s) {
        ObjectNode o = json().put("filter", s.filter().column()).put("autoapprove", s.autoapprove());
        o.set("norms", ServerJson.mapper().valueToTree(s.norms()));
        ArrayNode members = o.putArray("members");
        s.members()
                .forEach(m -> members.addObject()
                        .put("open_id", m.openId())
                        .put("name", m.name())
                        .put("role", m.role().column()));
        return o;
    }

    private static void note(ObjectNode out, ConfigWrite<?> write) {
        if (!write.syncedToGroup()) {
            out.put("warning", "saved on this machine only: " + write.unsyncedReason());
        }
    }

    private static ResourceApi.FileType fileType(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(".pdf")) {
            return ResourceApi.FileType.PDF;
        }
        if (lower.endsWith(".doc") || lower.endsWith(".docx")) {
            return ResourceApi.FileType.DOC;
        }
        if (lower.endsWith(".xls") || lower.endsWith(".xlsx")) {
            return ResourceApi.FileType.XLS;
        }
        if (lower.endsWith(".ppt") || lower.endsWith(".pptx")) {
            return ResourceApi.FileType.PPT;
        }
        if (lower.endsWith(".mp4")) {
            return ResourceApi.FileType.MP4;
        }
        return ResourceApi.FileType.STREAM;
    }

    static String requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, name + " is required");
        }
        return value;
    }

    private static ObjectNode json() {
        return ServerJson.mapper().createObjectNode();
    }
}
