package dev.larkhandoff.server.daemon;

import dev.larkhandoff.server.workspace.GroupDirectory;
import java.util.function.Supplier;

/**
 * The group directory, made the first time a handoff needs it: making it looks the operator up in Lark, which
 * the daemon should not wait for at start, and which is tried again after a failure (a typo fixed, Lark back).
 */
final class GroupDirectoryOnDemand implements Supplier<GroupDirectory> {

    private final Supplier<GroupDirectory> factory;
    private GroupDirectory made;

    GroupDirectoryOnDemand(Supplier<GroupDirectory> factory) {
        this.factory = factory;
    }

    @Override
    public synchronized GroupDirectory get() {
        if (made == null) {
            made = factory.get();
        }
        return made;
    }
}
