package dev.larkhandoff.server.workspace;

import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.store.session.Role;
import dev.larkhandoff.testing.TestClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The workspace classes as one level over a {@link TestWorld} of the emulator (its app is the bot), an operator, and a
 * store on a hand-moved clock: the directory and config over that store. {@link #otherMachine} gives a second
 * store and config over the same Lark, as another computer would have. Register with {@code @RegisterExtension}.
 */
final class WorkspaceLevel implements BeforeEachCallback, AfterEachCallback {

    static final Duration TTL = Duration.ofMinutes(5);

    private final TestWorld world =
            TestWorld.builder().operator("Operator").store(TestClock::new).build();

    final Workspace workspace = new Workspace("mac-Users-op-src-api", "api", "mac");
    LarkEmulator lark;
    EmuUser operator;
    private Machine machine;

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        world.beforeEach(context);
        lark = world.lark();
        operator = world.operator();
        machine = new Machine(world.machine(), operator.openId());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        world.afterEach(context);
    }

    /** Another computer: its own store and config cache, the same Lark and operator. */
    Machine otherMachine() {
        return new Machine(world.otherMachine(), operator.openId());
    }

    GroupDirectory directory() {
        return machine.directory;
    }

    GroupConfig config() {
        return machine.config;
    }

    Store store() {
        return machine.store;
    }

    TestClock clock() {
        return machine.clock;
    }

    LarkClient client() {
        return machine.client;
    }

    HandoffAgent agent(String sessionId) {
        machine.register(sessionId);
        return new HandoffAgent(sessionId, "anthropic/claude-opus-4", "Claude Code");
    }

    /** A group the bot made (it owns it), with this description and people. */
    EmuChat botGroup(String name, String description, EmuUser... people) {
        return world.emulator().botGroup(name, description, people);
    }

    /** A group of this workspace with the operator in it, as an earlier start would have left it. */
    EmuChat workspaceGroup(String name) {
        return botGroup(name, workspace.tag(), operator);
    }

    /** A group a person made and added the bot to. */
    EmuChat externalGroup(String name, EmuUser owner, EmuUser... others) {
        return lark.control().createGroup(name, owner, others);
    }

    boolean chatExists(String chatId) {
        return world.emulator().chatExists(chatId);
    }

    List<EmuChat> chatsNamed(String name) {
        return world.emulator().chatsNamed(name);
    }

    List<String> pinsOf(String chatId) {
        return world.emulator().pinsOf(chatId);
    }

    EmuMessage message(String messageId) {
        return world.emulator().message(messageId);
    }

    long calls(String method, String pathPrefix) {
        return world.emulator().calls(method, pathPrefix);
    }

    /** What one computer has: a Lark client, a store, and the workspace classes over them. */
    static final class Machine implements AutoCloseable {
        private final TestWorld.Machine parts;
        final TestClock clock;
        final LarkClient client;
        final Store store;
        final GroupConfig config;
        final GroupDirectory directory;

        private Machine(TestWorld.Machine parts, String operatorOpenId) {
            this.parts = parts;
            clock = (TestClock) parts.clock();
            client = parts.client();
            store = parts.store();
            config = new GroupConfig(client, store.chats(), clock, TTL);
            directory = new GroupDirectory(client, store, config, operatorOpenId);
        }

        void register(String sessionId) {
            store.sessions().register(sessionId, Role.SESSION, "{}", DeliveryMode.PULL, 1L, "test");
        }

        @Override
        public void close() {
            parts.close();
        }
    }
}
