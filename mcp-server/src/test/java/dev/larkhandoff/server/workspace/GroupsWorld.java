package dev.larkhandoff.server.workspace;

import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.lark.LarkClientConfig;
import dev.larkhandoff.server.MovableClock;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.store.session.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One machine's view of Lark for the workspace tests: the emulator as Lark (its app is the bot), an operator, a real
 * store in a temp dir, and the directory, config and tabs over them. {@link #otherMachine} gives a second store and
 * config over the same Lark, as another computer would have.
 */
final class GroupsWorld implements AutoCloseable {

    static final Duration TTL = Duration.ofMinutes(5);

    final LarkEmulator lark;
    final EmuUser operator;
    final Machine machine;
    final Workspace workspace = new Workspace("mac-Users-op-src-api", "api", "mac");

    private GroupsWorld(Path home) {
        lark = LarkEmulator.start();
        operator = lark.control().addUser("Operator");
        machine = new Machine(lark, home, operator.openId());
    }

    static GroupsWorld start(Path home) {
        return new GroupsWorld(home);
    }

    /** Another computer: its own store and config cache, the same Lark and operator. */
    Machine otherMachine(Path home) {
        return new Machine(lark, home, operator.openId());
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

    MovableClock clock() {
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
        EmuChat chat = lark.state().createChat(name, description, "group");
        lark.state().withChat(chat.chatId, c -> {
            c.ownerId = lark.app().appId();
            c.ownerIdType = "app_id";
            c.botAppIds.add(lark.app().appId());
            for (EmuUser p : people) {
                c.members.add(p.openId());
            }
            return c;
        });
        return chat;
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
        return lark.state().chat(chatId).isPresent();
    }

    List<EmuChat> chatsNamed(String name) {
        return lark.state().chats().stream().filter(c -> name.equals(c.name)).toList();
    }

    List<String> pinsOf(String chatId) {
        return lark.state().withChat(chatId, c -> List.copyOf(c.pins.keySet()));
    }

    EmuMessage message(String messageId) {
        return lark.control().message(messageId).orElseThrow();
    }

    long calls(String method, String pathPrefix) {
        return lark.control().calls().stream()
                .filter(c -> c.method().equals(method) && c.path().startsWith(pathPrefix))
                .count();
    }

    @Override
    public void close() {
        machine.close();
        lark.close();
    }

    /** What one computer has: a Lark client, a store, and the workspace classes over them. */
    static final class Machine implements AutoCloseable {
        final MovableClock clock = new MovableClock();
        final LarkClient client;
        final Store store;
        final GroupConfig config;
        final GroupDirectory directory;

        Machine(LarkEmulator lark, Path home, String operatorOpenId) {
            client = LarkClient.create(LarkClientConfig.of(
                    lark.baseUrl(), lark.app().appId(), lark.app().appSecret()));
            store = Store.open(home, clock);
            config = new GroupConfig(client, store.chats(), clock, TTL);
            directory = new GroupDirectory(client, store, config, operatorOpenId);
        }

        void register(String sessionId) {
            store.sessions().register(sessionId, Role.SESSION, "{}", DeliveryMode.PULL, 1L, "test");
        }

        @Override
        public void close() {
            client.close();
            store.close();
        }
    }
}
