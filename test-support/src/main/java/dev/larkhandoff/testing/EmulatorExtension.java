package dev.larkhandoff.testing;

import dev.larkhandoff.emulator.EmulatorOptions;
import dev.larkhandoff.emulator.EmulatorState;
import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuReaction;
import dev.larkhandoff.emulator.model.EmuUser;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The bottom level of a test world: a fresh emulator as Lark for every test, over real loopback sockets, and the
 * questions tests ask it. Register with {@code @RegisterExtension}; higher levels (a client, a store, a daemon) hold
 * one and call {@link #start()} and {@link #close()} themselves.
 */
public class EmulatorExtension implements BeforeEachCallback, AfterEachCallback, AutoCloseable {

    private final EmulatorOptions options;
    private LarkEmulator emulator;

    public EmulatorExtension() {
        this(EmulatorOptions.defaults());
    }

    public EmulatorExtension(EmulatorOptions options) {
        this.options = options;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    /** Starts the emulator (a no-op when it runs). */
    public void start() {
        if (emulator == null) {
            emulator = LarkEmulator.start(options);
        }
    }

    @Override
    public void close() {
        if (emulator != null) {
            emulator.close();
            emulator = null;
        }
    }

    public LarkEmulator emulator() {
        if (emulator == null) {
            throw new IllegalStateException("the emulator runs only during a test");
        }
        return emulator;
    }

    public EmulatorControl control() {
        return emulator().control();
    }

    public EmulatorState state() {
        return emulator().state();
    }

    /** A group the bot made (it owns it), with this description and people. */
    public EmuChat botGroup(String name, String description, EmuUser... people) {
        EmuChat chat = state().createChat(name, description, "group");
        String appId = emulator().app().appId();
        state().withChat(chat.chatId, c -> {
            c.ownerId = appId;
            c.ownerIdType = "app_id";
            c.botAppIds.add(appId);
            for (EmuUser p : people) {
                c.members.add(p.openId());
            }
            return c;
        });
        return chat;
    }

    public boolean chatExists(String chatId) {
        return state().chat(chatId).isPresent();
    }

    public List<EmuChat> chatsNamed(String name) {
        return state().chats().stream().filter(c -> name.equals(c.name)).toList();
    }

    public List<String> pinsOf(String chatId) {
        return state().withChat(chatId, c -> List.copyOf(c.pins.keySet()));
    }

    public EmuMessage message(String messageId) {
        return control().message(messageId).orElseThrow();
    }

    /** How many API calls with this method went to a path starting with {@code pathPrefix}. */
    public long calls(String method, String pathPrefix) {
        return control().calls().stream()
                .filter(c -> c.method().equals(method) && c.path().startsWith(pathPrefix))
                .count();
    }

    /** The newest message the bot posted in the chat whose content contains {@code text}, once there is one. */
    public EmuMessage awaitBotMessage(String chatId, String text) {
        EmuMessage[] found = new EmuMessage[1];
        Eventually.await(
                () -> {
                    for (EmuMessage m : control().botMessages(chatId)) {
                        if (m.content().contains(text)) {
                            found[0] = m;
                        }
                    }
                    return found[0] != null;
                },
                "the bot to post '" + text + "'",
                Duration.ofSeconds(20));
        return found[0];
    }

    /** The emoji types of the reactions on a message, oldest first. */
    public List<String> reactions(String messageId) {
        return state().reactions(messageId).stream().map(EmuReaction::emojiType).toList();
    }
}
