package dev.larkhandoff.server.handoff;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.workspace.ConfigWrite;
import dev.larkhandoff.server.workspace.GroupSettings;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The JSON pieces the handoff tools share: a new object, a chat's settings, a warning for a setting kept locally. */
final class HandoffJson {

    private HandoffJson() {}

    static ObjectNode settingsJson(GroupSettings s) {
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

    static void note(ObjectNode out, ConfigWrite<?> write) {
        if (!write.syncedToGroup()) {
            out.put("warning", "saved on this machine only: " + write.unsyncedReason());
        }
    }

    static ObjectNode json() {
        return ServerJson.mapper().createObjectNode();
    }
}
