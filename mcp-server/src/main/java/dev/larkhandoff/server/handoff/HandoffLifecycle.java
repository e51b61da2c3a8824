package dev.larkhandoff.server.handoff;

import static dev.larkhandoff.server.handoff.HandoffJson.json;
import static dev.larkhandoff.server.handoff.HandoffJson.settingsJson;

import dev.larkhandoff.server.workspace.ChatTabs;
import dev.larkhandoff.server.workspace.DissolvedGroup;
import dev.larkhandoff.server.workspace.GroupDirectory;
import dev.larkhandoff.server.workspace.GroupSettings;
import dev.larkhandoff.server.workspace.HandoffAgent;
import dev.larkhandoff.server.workspace.LarkIds;
import dev.larkhandoff.server.workspace.StartMode;
import dev.larkhandoff.server.workspace.StartOutcome;
import dev.larkhandoff.server.workspace.StartRequest;
import dev.larkhandoff.server.workspace.TakeoverOutcome;
import dev.larkhandoff.server.workspace.WorkspaceException;
import dev.larkhandoff.server.workspace.WorkspaceGroup;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.inbox.InboxRow;
import java.time.Clock;
import java.time.LocalTime;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Starting a handoff (pick, make, take over or join a group) and ending it (hand back, optionally dissolve). */
public final class HandoffLifecycle {

    private static final Logger log = LoggerFactory.getLogger(HandoffLifecycle.class);

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

    private final Store store;
    private final Supplier<GroupDirectory> directory;
    private final ChatTabs tabs;
    private final HandoffInbox inbox;
    private final HandoffOutbox outbox;
    private final StopFlags stopFlags;
    private final Clock clock;
    private final HandoffChats chats;

    HandoffLifecycle(
            Store store,
            Supplier<GroupDirectory> directory,
            ChatTabs tabs,
            HandoffInbox inbox,
            HandoffOutbox outbox,
            StopFlags stopFlags,
            Clock clock,
            HandoffChats chats) {
        this.store = store;
        this.directory = directory;
        this.tabs = tabs;
        this.inbox = inbox;
        this.outbox = outbox;
        this.stopFlags = stopFlags;
        this.clock = clock;
        this.chats = chats;
    }

    /** Starts a handoff for the caller: binds it to a group, posts the start card, opens the model's tab. */
    public ObjectNode start(Handoffs.Caller caller, StartArgs args) {
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
            String chatId = LarkIds.chatId(args.takeoverChatId());
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
            groupName = chats.chatName(bound.chatId());
        } else {
            StartOutcome outcome = args.sidecarChatId() != null
                    ? groups.startSidecar(args.sidecarChatId(), agent)
                    : groups.start(
                            chats.workspaceOf(caller.sessionId(), args.projectDir()),
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
        inbox.changed();
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
    public ObjectNode end(Handoffs.Caller caller, String body, boolean dissolve) {
        Binding b = chats.bound(caller);
        String chatId = b.chatId();
        if (dissolve) {
            chats.requireHandoffGroup(chatId);
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

    /** Rows left pending in the chat from before this handoff (no session listened then) are not the agent's. */
    private void dropStale(String chatId) {
        long before = clock.millis() - 5_000;
        for (InboxRow row : store.inbox().pendingIn(chatId)) {
            if (row.receivedAt() < before) {
                store.inbox().markFiltered(row.dedupeKey(), "before_handoff: received before this handoff started");
            }
        }
    }
}
