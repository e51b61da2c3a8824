package dev.larkhandoff.server.workspace;

import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.lark.im.Chat;
import dev.larkhandoff.lark.im.ChatMember;
import dev.larkhandoff.lark.im.MemberChange;
import dev.larkhandoff.lark.im.MemberPage;
import dev.larkhandoff.lark.im.NewChat;
import dev.larkhandoff.server.workspace.WorkspaceException.Problem;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.handoff.ClaimResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handoff's groups in Lark: finds a workspace's groups (the bot's groups whose description carries
 * {@code workspace:<id>} and that the operator is in), binds a session to one by the start decision tree,
 * creates a new one when needed (and dissolves it again if it cannot be set up), takes one over as a compare-and-swap,
 * binds to an external group as a sidecar, and dissolves, lists, sweeps and clears groups. Blocks on Lark: call it
 * from a worker thread.
 */
public final class GroupDirectory {

    private static final Logger log = LoggerFactory.getLogger(GroupDirectory.class);
    private static final Comparator<WorkspaceGroup> BY_NAME = Comparator.comparing(
                    WorkspaceGroup::name, String.CASE_INSENSITIVE_ORDER)
            .thenComparing(WorkspaceGroup::chatId);

    private final LarkClient lark;
    private final Store store;
    private final GroupConfig config;
    private final String operatorOpenId;
    private final String appId;
    private final AtomicReference<String> botOpenId = new AtomicReference<>();
    /** Two starts in one daemon must not both pick the same next group name. */
    private final Object creating = new Object();

    /**
     * @param operatorOpenId the person who hands off and is invited to every new group (looked up by email by the
     *                       caller)
     */
    public GroupDirectory(LarkClient lark, Store store, GroupConfig config, String operatorOpenId) {
        this.lark = Objects.requireNonNull(lark, "lark");
        this.store = Objects.requireNonNull(store, "store");
        this.config = Objects.requireNonNull(config, "config");
        if (operatorOpenId == null || operatorOpenId.isBlank()) {
            throw new WorkspaceException(Problem.BAD_ARGUMENT, "the operator's open_id is required");
        }
        this.operatorOpenId = operatorOpenId;
        this.appId = lark.config().credentials().appId();
    }

    public String operatorOpenId() {
        return operatorOpenId;
    }

    /** The bot's open_id (how mentions of it look), read from Lark once. */
    public String botOpenId() {
        String known = botOpenId.get();
        if (known == null) {
            known = LarkCalls.call(
                            "reading the bot's identity", null, lark.bot().info())
                    .openId();
            botOpenId.set(known);
        }
        return known;
    }

    // ---- discovery ----

    /** The workspace's groups in number order (group 1 first), each with its holder if any. */
    public List<WorkspaceGroup> discover(Workspace workspace) {
        return groupsOf(workspace, botChats());
    }

    /** External groups a sidecar could use: the bot's groups the operator is in that belong to no workspace. */
    public List<WorkspaceGroup> sidecarCandidates() {
        Map<String, Binding> bindings = bindingsByChat();
        return botChats().stream()
                .filter(c -> Workspace.idIn(c.description()).isEmpty())
                .filter(c -> operatorIsIn(c.chatId()))
                .map(c -> new WorkspaceGroup(c.chatId(), c.name(), c.description(), bindings.get(c.chatId())))
                .sorted(BY_NAME)
                .toList();
    }

    /** The workspace's handoff summary: its groups, active (and by whom) or idle. */
    public WorkspaceStatus status(Workspace workspace, String currentSessionId) {
        return new WorkspaceStatus(workspace, discover(workspace), currentSessionId);
    }

    // ---- start, takeover, sidecar ----

    /**
     * Binds the session to a group of the workspace, in this order: the named group if one is named; else,
     * unless the mode is {@code new}, an idle group; else a new group, except in the default mode when groups exist
     * and all are held, which returns them as choices. The group's settings are re-read from its card.
     */
    public StartOutcome start(Workspace workspace, StartRequest request) {
        Objects.requireNonNull(workspace, "workspace");
        HandoffAgent agent = requireRegistered(request.agent());
        Optional<Binding> held = store.bindings().findBySession(agent.sessionId());
        if (held.isPresent()) {
            return new StartOutcome.AlreadyActive(held.get());
        }
        if (request.groupName() != null) {
            return startNamed(request.groupName(), agent, botChats());
        }
        if (request.mode() != StartMode.NEW) {
            List<WorkspaceGroup> groups = groupsOf(workspace, botChats());
            for (WorkspaceGroup idle : groups.stream().filter(g -> !g.active()).toList()) {
                Optional<StartOutcome.Ready> ready = claim(idle, agent, needMention(chat(idle.chatId())), false);
                if (ready.isPresent()) {
                    return ready.get();
                }
                // Another session claimed it between discovery and now; try the next one.
            }
            if (request.mode() == StartMode.DEFAULT && !groups.isEmpty()) {
                return new StartOutcome.Choose(withCurrentBindings(groups));
            }
        }
        return create(workspace, agent);
    }

    /**
     * Takes the group over if it is still held by {@code expectedHolder} (null: expected free). The previous holder
     * is named in the result so its wait can end with {@code takeover: true}.
     */
    public TakeoverOutcome takeover(String chatId, HandoffAgent agent, String expectedHolder) {
        LarkIds.chatId(chatId);
        requireRegistered(agent);
        Chat chat = chat(chatId);
        ClaimResult result = store.bindings().takeover(binding(chatId, agent, needMention(chat)), expectedHolder);
        if (result instanceof ClaimResult.Claimed claimed) {
            return new TakeoverOutcome.TookOver(
                    claimed.binding(), claimed.replacedSessionId(), settingsOnStart(chatId));
        }
        return new TakeoverOutcome.Refused(((ClaimResult.Taken) result).holderSessionId(), expectedHolder);
    }

    /**
     * Binds the session to an existing external group (one that carries no workspace tag) that the operator is in.
     * Whether the bot must be @-mentioned or replied to there is detected by {@link #needMention}.
     */
    public StartOutcome startSidecar(String chatId, HandoffAgent agent) {
        LarkIds.chatId(chatId);
        requireRegistered(agent);
        Optional<Binding> held = store.bindings().findBySession(agent.sessionId());
        if (held.isPresent()) {
            return new StartOutcome.AlreadyActive(held.get());
        }
        Chat chat = chat(chatId);
        Optional<String> workspaceId = Workspace.idIn(chat.description());
        if (workspaceId.isPresent()) {
            throw new WorkspaceException(
                    Problem.NOT_A_SIDECAR,
                    "chat " + chatId + " (" + chat.name() + ") is a handoff group of workspace " + workspaceId.get()
                            + "; start a handoff there instead");
        }
        if (!operatorIsIn(chatId)) {
            throw new WorkspaceException(
                    Problem.OPERATOR_NOT_IN_CHAT,
                    "the operator (" + operatorOpenId + ") is not a member of chat " + chatId + " (" + chat.name()
                            + ")");
        }
        WorkspaceGroup group = new WorkspaceGroup(chatId, chat.name(), chat.description(), null);
        return claim(group, agent, needMention(chat), false)
                .<StartOutcome>map(r -> r)
                .orElseGet(() -> new StartOutcome.Choose(withCurrentBindings(List.of(group))));
    }

    /** A binding names a registered session (the store insists), so an unknown one is refused before Lark is touched. */
    private HandoffAgent requireRegistered(HandoffAgent agent) {
        Objects.requireNonNull(agent, "agent");
        if (store.sessions().find(agent.sessionId()).isEmpty()) {
            throw new WorkspaceException(
                    Problem.UNKNOWN_SESSION,
                    "session " + agent.sessionId()
                            + " is not registered with the daemon; it must connect before it can hand off");
        }
        return agent;
    }

    /**
     * Whether the bot must be @-mentioned or replied to in a chat: not in a group the bot owns
     * or one of at most two people; otherwise yes.
     */
    boolean needMention(Chat chat) {
        boolean botOwned = "app_id".equals(chat.ownerIdType())
                ? appId.equals(chat.ownerId())
                : chat.ownerId() != null && chat.ownerId().equals(botOpenId());
        if (botOwned) {
            return false;
        }
        return chat.userCount() == null || chat.userCount() > 2;
    }

    private StartOutcome startNamed(String name, HandoffAgent agent, List<Chat> chats) {
        List<Chat> named = chats.stream()
                .filter(c -> name.equalsIgnoreCase(c.name()))
                .filter(c -> operatorIsIn(c.chatId()))
                .toList();
        if (named.isEmpty()) {
            throw new WorkspaceException(
                    Problem.GROUP_NOT_FOUND, "no group named '" + name + "' has both the bot and the operator in it");
        }
        if (named.size() > 1) {
            throw new WorkspaceException(
                    Problem.AMBIGUOUS_GROUP_NAME,
                    named.size() + " groups are named '" + name
                            + "' (" + named.stream().map(Chat::chatId).collect(Collectors.joining(", "))
                            + "); rename one or pick it by chat_id");
        }
        Chat chat = chat(named.get(0).chatId());
        WorkspaceGroup group = new WorkspaceGroup(named.get(0).chatId(), chat.name(), chat.description(), null);
        return claim(group, agent, needMention(chat), false)
                .<StartOutcome>map(r -> r)
                .orElseGet(() -> new StartOutcome.Choose(withCurrentBindings(List.of(group))));
    }

    /** Claims the group for the session; empty when another session holds it. */
    private Optional<StartOutcome.Ready> claim(
            WorkspaceGroup group, HandoffAgent agent, boolean needMention, boolean created) {
        ClaimResult result = store.bindings().claim(binding(group.chatId(), agent, needMention));
        if (!(result instanceof ClaimResult.Claimed claimed)) {
            return Optional.empty();
        }
        // A group just made has its settings in the cache already; any other is re-read from its card.
        GroupSettings settings = created ? config.cachedSettings(group.chatId()) : settingsOnStart(group.chatId());
        return Optional.of(new StartOutcome.Ready(group.withBinding(claimed.binding()), created, settings));
    }

    private Binding binding(String chatId, HandoffAgent agent, boolean needMention) {
        return Binding.of(chatId, agent.sessionId())
                .withOperator(operatorOpenId, botOpenId())
                .withNeedMention(needMention)
                .withAgent(agent.model(), agent.tool());
    }

    /** The settings forced fresh from the card; if Lark cannot be read, the start goes on with the cached ones. */
    private GroupSettings settingsOnStart(String chatId) {
        try {
            return config.refresh(chatId);
        } catch (WorkspaceException e) {
            log.warn(
                    "the config card of {} could not be read at start; using cached settings: {}",
                    chatId,
                    e.getMessage());
            return config.cachedSettings(chatId);
        }
    }

    /** Makes the workspace's next group with the operator in it and its config card pinned, or leaves nothing. */
    private StartOutcome create(Workspace workspace, HandoffAgent agent) {
        WorkspaceGroup group;
        synchronized (creating) {
            // Names are read again here: another start may have just made the group this one would have named.
            String name = workspace.nextGroupName(
                    botChats().stream().map(Chat::name).filter(Objects::nonNull).toList());
            Chat made = LarkCalls.call(
                    "creating group " + name, null, lark.chats().create(NewChat.group(name, workspace.tag())));
            group = new WorkspaceGroup(made.chatId(), name, workspace.tag(), null);
            try {
                MemberChange added = LarkCalls.call(
                        "inviting the operator to " + name,
                        made.chatId(),
                        lark.chats().addMembers(made.chatId(), List.of(operatorOpenId)));
                if (!added.complete()) {
                    throw new WorkspaceException(
                            Problem.LARK_ERROR,
                            "Lark did not add the operator ("
                                    + operatorOpenId + ") to the group: invalid " + added.invalidIdList()
                                    + ", not existing "
                                    + added.notExistedIdList() + ", pending approval " + added.pendingApprovalIdList());
                }
                config.initialize(made.chatId());
            } catch (RuntimeException e) {
                throw setupFailed(made.chatId(), name, e);
            }
        }
        log.info("created group {} ({}) for workspace {}", group.name(), group.chatId(), workspace.id());
        return claim(group, agent, false, true)
                .<StartOutcome>map(r -> r)
                // Nobody else knows the new group yet; losing the claim would mean the store is not what it seems.
                .orElseThrow(() -> new IllegalStateException("new group " + group.chatId() + " is already held"));
    }

    private WorkspaceException setupFailed(String chatId, String name, RuntimeException cause) {
        String undone;
        try {
            LarkCalls.call("dissolving " + chatId, chatId, lark.chats().dissolve(chatId));
            store.chats().forget(chatId);
            undone = "the group was dissolved";
        } catch (RuntimeException e) {
            undone = "dissolving it failed too (" + e.getMessage() + "); dissolve it by hand";
        }
        return new WorkspaceException(
                Problem.GROUP_SETUP_FAILED,
                "could not set up the new group " + name + " (" + chatId + "): " + cause.getMessage() + "; " + undone,
                cause);
    }

    // ---- dissolving and listing ----

    /**
     * Dissolves one group: the operator is removed first, so the group leaves their list even if
     * Lark then refuses; then the group is dissolved and its local state (binding, cached config, members) deleted.
     */
    public DissolvedGroup dissolve(String chatId) {
        LarkIds.chatId(chatId);
        Chat chat = chat(chatId);
        return dissolveKnown(chatId, chat.name(), true);
    }

    /** The bot's groups with nobody in them. */
    public List<ListedGroup> emptyGroups() {
        List<ListedGroup> empty = new ArrayList<>();
        for (Chat c : botChats()) {
            MemberPage page = LarkCalls.call(
                    "listing the members of " + c.chatId(),
                    c.chatId(),
                    lark.chats().members(c.chatId(), 1, null));
            if (page.items().isEmpty() && page.memberTotal() == 0) {
                empty.add(listed(c, List.of()));
            }
        }
        return empty;
    }

    /** Dissolves every group with nobody in it; one refusal does not stop the others. */
    public Dissolution dissolveEmptyGroups() {
        return dissolveAll(
                emptyGroups().stream().map(g -> new Named(g.chatId(), g.name())).toList(), false);
    }

    /** The groups the bot owns: those the operator is in ({@link GroupScope#MINE}) or all, with who is in them. */
    public List<ListedGroup> listGroups(GroupScope scope) {
        Objects.requireNonNull(scope, "scope");
        List<ListedGroup> out = new ArrayList<>();
        for (Chat c : botChats()) {
            if (!ownedByBot(c)) {
                continue;
            }
            List<ChatMember> members = members(c.chatId());
            if (scope == GroupScope.MINE && members.stream().noneMatch(m -> operatorOpenId.equals(m.memberId()))) {
                continue;
            }
            out.add(listed(c, members.stream().map(ChatMember::name).toList()));
        }
        return out;
    }

    /**
     * Dissolves every group carrying the workspace's tag and deletes their local state, but only when
     * {@code confirm} is true; otherwise nothing is done and the {@link Problem#NOT_CONFIRMED} error says what would be.
     */
    public Dissolution clear(Workspace workspace, boolean confirm) {
        Objects.requireNonNull(workspace, "workspace");
        List<Named> tagged = botChats().stream()
                .filter(c -> workspace.tags(c.description()))
                .map(c -> new Named(c.chatId(), c.name()))
                .toList();
        if (!confirm) {
            throw new WorkspaceException(
                    Problem.NOT_CONFIRMED,
                    "clearing workspace " + workspace.id()
                            + " dissolves its " + tagged.size() + " group(s)"
                            + (tagged.isEmpty()
                                    ? ""
                                    : " (" + tagged.stream().map(Named::name).collect(Collectors.joining(", ")) + ")")
                            + " and deletes their local state; nothing was done. Call again with confirm=true to do it.");
        }
        return dissolveAll(tagged, true);
    }

    /** A group by id and name, for sweeps. */
    private record Named(String chatId, String name) {}

    private Dissolution dissolveAll(List<Named> groups, boolean removeOperator) {
        List<DissolvedGroup> done = new ArrayList<>();
        List<DissolveFailure> failed = new ArrayList<>();
        for (Named g : groups) {
            try {
                done.add(dissolveKnown(g.chatId(), g.name(), removeOperator));
            } catch (WorkspaceException e) {
                failed.add(new DissolveFailure(g.chatId(), g.name(), e.getMessage()));
            }
        }
        return new Dissolution(done, failed);
    }

    private DissolvedGroup dissolveKnown(String chatId, String name, boolean removeOperator) {
        if (removeOperator) {
            try {
                LarkCalls.call(
                        "removing the operator from " + chatId,
                        chatId,
                        lark.chats().removeMembers(chatId, List.of(operatorOpenId)));
            } catch (WorkspaceException e) {
                if (e.problem() != Problem.LARK_ERROR) {
                    throw e;
                }
                // Dissolving is what matters; if Lark allows it, the operator is gone with the group anyway.
                log.warn("removing the operator from {} failed; dissolving anyway: {}", chatId, e.getMessage());
            }
        }
        LarkCalls.call("dissolving " + chatId, chatId, lark.chats().dissolve(chatId));
        Optional<Binding> released = store.bindings().releaseChat(chatId);
        store.chats().forget(chatId);
        log.info("dissolved group {} ({})", name, chatId);
        return new DissolvedGroup(chatId, name, released.map(Binding::sessionId).orElse(null));
    }

    // ---- Lark reads ----

    private List<WorkspaceGroup> groupsOf(Workspace workspace, List<Chat> chats) {
        Map<String, Binding> bindings = bindingsByChat();
        return chats.stream()
                .filter(c -> workspace.tags(c.description()))
                .filter(c -> operatorIsIn(c.chatId()))
                .map(c -> new WorkspaceGroup(c.chatId(), c.name(), c.description(), bindings.get(c.chatId())))
                .sorted(byNumber(workspace))
                .toList();
    }

    /** Group 1, 2, 3 … in order (a plain sort would put {@code api2@mac} before {@code api@mac}), then by name. */
    private static Comparator<WorkspaceGroup> byNumber(Workspace workspace) {
        return Comparator.<WorkspaceGroup>comparingInt(
                        g -> workspace.numberOf(g.name()).orElse(Integer.MAX_VALUE))
                .thenComparing(BY_NAME);
    }

    private List<WorkspaceGroup> withCurrentBindings(List<WorkspaceGroup> groups) {
        Map<String, Binding> bindings = bindingsByChat();
        return groups.stream().map(g -> g.withBinding(bindings.get(g.chatId()))).toList();
    }

    private Map<String, Binding> bindingsByChat() {
        return store.bindings().all().stream().collect(Collectors.toMap(Binding::chatId, Function.identity()));
    }

    /** Every group the bot is in, with descriptions (read one by one only if the listing left them out). */
    private List<Chat> botChats() {
        List<Chat> listed = LarkCalls.call(
                "listing the bot's groups", null, lark.chats().listAll().collectList());
        List<Chat> out = new ArrayList<>();
        for (Chat c : listed) {
            out.add(c.description() != null ? c : withDescription(c));
        }
        return out;
    }

    private Chat withDescription(Chat c) {
        try {
            return chat(c.chatId());
        } catch (WorkspaceException e) {
            log.warn("chat {} could not be read: {}", c.chatId(), e.getMessage());
            return c;
        }
    }

    private Chat chat(String chatId) {
        return LarkCalls.call("reading chat " + chatId, chatId, lark.chats().get(chatId));
    }

    private List<ChatMember> members(String chatId) {
        return LarkCalls.call(
                "listing the members of " + chatId,
                chatId,
                lark.chats().allMembers(chatId).collectList());
    }

    /** Whether the operator is in the chat; a chat the bot has just left counts as not. */
    private boolean operatorIsIn(String chatId) {
        try {
            return members(chatId).stream().anyMatch(m -> operatorOpenId.equals(m.memberId()));
        } catch (WorkspaceException e) {
            if (e.problem() == Problem.LARK_ERROR) {
                throw e;
            }
            log.warn("skipping chat {}: {}", chatId, e.getMessage());
            return false;
        }
    }

    private boolean ownedByBot(Chat c) {
        if (c.ownerId() == null || c.ownerId().isBlank()) {
            return true; // a chat listed without an owner counts as one the bot made
        }
        return "app_id".equals(c.ownerIdType())
                ? appId.equals(c.ownerId())
                : c.ownerId().equals(botOpenId());
    }

    private static ListedGroup listed(Chat c, List<String> memberNames) {
        return new ListedGroup(
                c.chatId(),
                c.name(),
                c.description(),
                Workspace.idIn(c.description()).orElse(null),
                memberNames);
    }
}
