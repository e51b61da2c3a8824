package dev.larkhandoff.server.handoff;

import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.lark.im.Chat;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.workspace.Workspace;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.session.SessionRecord;
import java.nio.file.Path;
import java.util.Optional;

/** The chats the handoff tools act on: the caller's bound chat, a chat as Lark has it, a session's workspace. */
final class HandoffChats {

    private final LarkClient lark;
    private final Store store;
    private final HandoffInbox inbox;
    private final String machine;

    /** @param machine this computer's name, as group names show it */
    HandoffChats(LarkClient lark, Store store, HandoffInbox inbox, String machine) {
        this.lark = lark;
        this.store = store;
        this.inbox = inbox;
        this.machine = machine;
    }

    /** The caller's binding; a caller that lost its chat is told so (once), else that it has none. */
    Binding bound(Handoffs.Caller caller) {
        Optional<Binding> b = store.bindings().findBySession(caller.sessionId());
        if (b.isPresent()) {
            return b.get();
        }
        if (inbox.takeLostNotice(caller.sessionId()).isPresent()) {
            throw new Handoffs.TakenOver();
        }
        throw notBound();
    }

    /** Only groups made for handoffs may be dissolved: an external (sidecar) group is the people's, not ours. */
    void requireHandoffGroup(String chatId) {
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

    static HandoffException notBound() {
        return new HandoffException(
                HandoffException.Problem.INVALID_ARGUMENT,
                "this session has no active handoff; call handoff_start first");
    }

    Workspace workspaceOf(String sessionId, String projectDir) {
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

    String chatName(String chatId) {
        return chat(chatId).map(Chat::name).orElse(chatId);
    }

    Optional<Chat> chat(String chatId) {
        try {
            return Optional.of(
                    HandoffOutbox.call("read chat " + chatId, lark.chats().get(chatId)));
        } catch (HandoffException e) {
            return Optional.empty();
        }
    }
}
