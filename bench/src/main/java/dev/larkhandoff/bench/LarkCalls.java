package dev.larkhandoff.bench;

import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.openapi.OpenApiServer;
import java.util.List;

/** Lark calls the emulator answered, by kind: message sends, card updates, reactions added and removed, the rest. */
record LarkCalls(int sends, int patches, int reactionsAdded, int reactionsRemoved, int other) {

    static final LarkCalls UNKNOWN = new LarkCalls(-1, -1, -1, -1, -1);

    /** The emulator keeps its last this many calls only. */
    private static final int KEPT = 10_000;

    /** The {@code count} calls the emulator answered after its first {@code before}, by kind. */
    static LarkCalls since(EmulatorControl control, int before, int count) {
        List<OpenApiServer.CallRecord> all = control.calls();
        if (before + count > all.size() || all.size() >= KEPT) {
            // Once the emulator dropped some, the indexes moved.
            return UNKNOWN;
        }
        return of(all.subList(before, before + count));
    }

    static LarkCalls of(List<OpenApiServer.CallRecord> calls) {
        int sends = 0;
        int patches = 0;
        int added = 0;
        int removed = 0;
        int other = 0;
        for (OpenApiServer.CallRecord c : calls) {
            if (c.method().equals("POST") && c.path().endsWith("/im/v1/messages")) {
                sends++;
            } else if (c.method().equals("PATCH") && c.path().contains("/im/v1/messages/")) {
                patches++;
            } else if (c.method().equals("POST") && c.path().endsWith("/reactions")) {
                added++;
            } else if (c.method().equals("DELETE") && c.path().contains("/reactions/")) {
                removed++;
            } else {
                other++;
            }
        }
        return new LarkCalls(sends, patches, added, removed, other);
    }

    boolean known() {
        return sends >= 0;
    }

    int total() {
        return sends + patches + reactionsAdded + reactionsRemoved + other;
    }
}
