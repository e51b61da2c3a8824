package dev.larkhandoff.server.handoff;

import static dev.larkhandoff.server.handoff.HandoffJson.json;

import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.server.tool.ToolFailure;
import dev.larkhandoff.server.workspace.ChatTabs;
import dev.larkhandoff.server.workspace.GroupConfig;
import dev.larkhandoff.server.workspace.GroupDirectory;
import dev.larkhandoff.store.Store;
import java.time.Clock;
import java.util.function.Supplier;
import tools.jackson.databind.node.ObjectNode;

/** The handoff workflow's parts, made together over one Lark app and store, for {@link HandoffTools} to call. */
public record Handoffs(
        HandoffLifecycle lifecycle,
        HandoffLoop loop,
        HandoffFiles files,
        HandoffLookups lookups,
        HandoffGroups groups) {

    /** Who asks: the session. */
    public record Caller(String sessionId) {}

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

    /**
     * The parts share one view of the chats (the caller's binding, Lark's chat records), so a caller that lost its
     * chat is told so once, by whichever tool it calls next. Each method answers the JSON the agent reads; failures
     * are {@link HandoffException} or {@link dev.larkhandoff.server.workspace.WorkspaceException} with a message that
     * says what to do. They block on Lark: call them from a worker thread.
     *
     * @param directory the group directory, made on first use (it needs the operator, looked up in Lark by email)
     * @param machine   this computer's name, as group names show it
     */
    public static Handoffs of(
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
        HandoffChats chats = new HandoffChats(lark, store, inbox, machine);
        return new Handoffs(
                new HandoffLifecycle(
                        store, directory, new ChatTabs(lark.chatTabs()), inbox, outbox, stopFlags, clock, chats),
                new HandoffLoop(store, inbox, outbox, stopFlags, chats),
                new HandoffFiles(lark, store, inbox, outbox, media, clock, chats),
                new HandoffLookups(
                        store,
                        new ParentLookup(store.chats(), lark.messages()),
                        new MergeForward(lark.messages()),
                        chats),
                new HandoffGroups(lark, store, directory, config, inbox, outbox, stopFlags, clock, chats));
    }
}
