package dev.larkhandoff.server.hooks;

import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Answers one hook event from Claude Code or the OpenCode plugin, whichever way it reached the daemon. */
@FunctionalInterface
public interface HookHandler {

    /** Has nothing to say to any hook (a daemon without a Lark app). */
    HookHandler NONE = (event, input, caller) -> Optional.empty();

    /** The hook's output, or empty when the client should carry on as usual. */
    Optional<ObjectNode> handle(String event, JsonNode input, Hooks.Caller caller) throws InterruptedException;
}
