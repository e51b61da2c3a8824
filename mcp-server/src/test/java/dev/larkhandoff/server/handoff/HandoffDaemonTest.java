package dev.larkhandoff.server.handoff;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** For tests against an in-JVM {@link HandoffDaemon}: a fresh home, the daemon, and one connected session "agent". */
abstract class HandoffDaemonTest {

    @TempDir
    Path home;

    HandoffDaemon world;
    HandoffDaemon.Session agent;

    @BeforeEach
    void startWorld() throws Exception {
        world = new HandoffDaemon(home);
        agent = world.session("agent");
    }

    @AfterEach
    void closeWorld() {
        world.close();
    }
}
