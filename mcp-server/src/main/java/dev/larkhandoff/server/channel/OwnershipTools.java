package dev.larkhandoff.server.channel;

import dev.larkhandoff.server.tool.ToolCatalog;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.server.tool.ToolSchema;
import dev.larkhandoff.server.tool.ToolSpec;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The five channel-ownership tools (rules and texts: docs/channel-ownership.md), each a spec plus one handler over
 * {@link ChannelOwnership}. A refusal is a {@link ChannelRefusal}, read by its message alone (see
 * {@link ToolCatalog}). {@link ChannelOwnership} reads the selector arguments itself, after it has checked the
 * caller, so that a caller without the right is told so first.
 */
public final class OwnershipTools {

    public static final String STATUS = "feishu_channel_status";
    public static final String GRANT = "feishu_channel_grant";
    public static final String ACQUIRE = "feishu_channel_acquire";
    public static final String RETURN = "feishu_channel_return_to_dispatcher";
    public static final String RECLAIM = "feishu_channel_reclaim";

    private static final Map<String, Object> NO_ARGS = ToolSchema.none();
    private static final Map<String, Object> SELECTOR = ToolSchema.object()
            .optional(
                    "session_id",
                    ToolSchema.string("The session id of a live channel proxy (see " + "feishu_channel_status)."))
            .optional(
                    "match",
                    ToolSchema.stringMap(
                            "Select the one live session whose metadata contains all these "
                                    + "key/value pairs, e.g. {\"teammate_name\": \"api-worker\"}. Pass session_id or match, not both."))
            .build();

    private OwnershipTools() {}

    /**
     * What a status document shows beside the channel state, gathered once per status call (so every session's
     * facts come from one read of the store): each session's facts, the offline sessions that still matter, and the
     * daemon block.
     */
    public record StatusParts(
            Function<String, ChannelOwnership.SessionFacts> facts,
            List<Map<String, Object>> offline,
            Map<String, Object> daemon) {}

    public static ToolCatalog of(
            ChannelOwnership ownership,
            Function<String, ChannelOwnership.SessionFacts> facts,
            Supplier<Map<String, Object>> daemonBlock) {
        return of(ownership, () -> new StatusParts(facts, List.of(), daemonBlock.get()));
    }

    /** The ownership tools, with {@code parts} asked once per status call. */
    public static ToolCatalog of(ChannelOwnership ownership, Supplier<StatusParts> parts) {
        return ToolCatalog.builder()
                .add(
                        new ToolSpec(
                                STATUS,
                                "Show who receives inbound Feishu/Lark channel messages: owner, dispatcher, "
                                        + "pending grant, effective target, lease_epoch, every registered session (connected, "
                                        + "delivery mode, pending count, last seen) and the daemon. Check it before and after "
                                        + "any ownership change; never infer the owner from the latest connected session.",
                                NO_ARGS),
                        call -> {
                            StatusParts p = parts.get();
                            return ToolResult.ok(ownership.status(p.facts(), p.offline(), p.daemon()));
                        })
                .add(
                        new ToolSpec(
                                GRANT,
                                "Dispatcher only: allow one session (by session_id or metadata match) to "
                                        + "take the channel with feishu_channel_acquire. Replaces any earlier grant; does not move "
                                        + "the channel by itself.",
                                SELECTOR),
                        call -> ToolResult.ok(ownership.grant(
                                call.callerSessionId(), call.args().asMap())))
                .add(
                        new ToolSpec(
                                ACQUIRE,
                                "Make a session the channel owner so inbound messages go to it. Without "
                                        + "arguments the caller acquires for itself (needs the dispatcher's grant unless the caller "
                                        + "is the dispatcher); the dispatcher may name any live session by session_id or match.",
                                SELECTOR),
                        call -> ToolResult.ok(ownership.acquire(
                                call.callerSessionId(), call.args().asMap())))
                .add(
                        new ToolSpec(
                                RETURN,
                                "The current owner (or the dispatcher) gives the channel back to the "
                                        + "dispatcher when its work is done.",
                                NO_ARGS),
                        call -> ToolResult.ok(ownership.returnToDispatcher(call.callerSessionId())))
                .add(
                        new ToolSpec(
                                RECLAIM,
                                "Dispatcher only, for recovery: take the channel back from an owner that "
                                        + "is gone or stuck. Messages that waited for the old owner are delivered to the dispatcher "
                                        + "in order.",
                                NO_ARGS),
                        call -> ToolResult.ok(ownership.reclaim(call.callerSessionId())))
                .build();
    }
}
