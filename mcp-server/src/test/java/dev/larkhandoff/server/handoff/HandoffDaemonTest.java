package dev.larkhandoff.server.handoff;

import dev.larkhandoff.server.world.TestWorld;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** For tests against an in-JVM daemon: the emulator with an operator, a fresh home, the daemon, and a session "agent". */
abstract class HandoffDaemonTest {

    @RegisterExtension
    final TestWorld world = TestWorld.builder()
            .operator("Olivia", "olivia@example.com")
            .daemon()
            .build();

    TestWorld.Session agent;

    @BeforeEach
    void connectAgent() throws Exception {
        agent = world.session("agent");
    }
}
