package dev.larkhandoff.server.daemon;

import dev.larkhandoff.server.channel.ChannelOwnership;
import dev.larkhandoff.server.channel.ChannelRefusal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/** The five channel-ownership tools under the seed's names, each a thin adapter over {@link ChannelOwnership}. */
public final class OwnershipTools {

    public static final String STATUS = "feishu_channel_status";
    public static final String GRANT = "feishu_channel_grant";
    public static final String ACQUIRE = "feishu_channel_acquire";
    public static final String RETURN = "feishu_channel_return_to_dispatcher";
    public static final String RECLAIM = "feishu_channel_reclaim";

    private OwnershipTools() {
    }

    public static Map<String, DaemonTool> of(ChannelOwnership ownership,
            Function<String, ChannelOwnership.SessionFacts> facts, Supplier<Map<String, Object>> daemonBlock) {
        Map<String, DaemonTool> tools = new LinkedHashMap<>();
        tools.put(STATUS, (caller, args) -> ToolResult.ok(ownership.status(facts, daemonBlock.get())));
        tools.put(GRANT, (caller, args) -> refusable(() -> ownership.grant(caller, args)));
        tools.put(ACQUIRE, (caller, args) -> refusable(() -> ownership.acquire(caller, args)));
        tools.put(RETURN, (caller, args) -> refusable(() -> ownership.returnToDispatcher(caller)));
        tools.put(RECLAIM, (caller, args) -> refusable(() -> ownership.reclaim(caller)));
        return tools;
    }

    private static ToolResult refusable(Supplier<String> action) {
        try {
            return ToolResult.ok(action.get());
        } catch (ChannelRefusal refusal) {
            return ToolResult.error(refusal.getMessage());
        }
    }
}
