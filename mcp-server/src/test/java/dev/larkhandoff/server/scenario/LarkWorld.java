package dev.larkhandoff.server.scenario;

import dev.larkhandoff.emulator.EmulatorOptions;
import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.server.access.AccessFile;
import dev.larkhandoff.server.access.AccessPolicy;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Lark world for scenarios: the emulator as Lark (real sockets), a home configured for its app, an operator
 * Alice on the allowlist, a group where she talks to the bot without @-mentioning it, and every lark-handoff
 * process started for that home (so {@link #close} can kill what is left).
 */
final class LarkWorld implements AutoCloseable {

    final LarkEmulator emulator;
    final Path home;
    final EmuUser alice;
    final EmuChat group;
    private final List<AgentSession> sessions = new ArrayList<>();

    LarkWorld(Path home) throws IOException {
        this(home, EmulatorOptions.defaults().withPort(0).withAckTimeout(Duration.ofSeconds(1)));
    }

    LarkWorld(Path home, EmulatorOptions options) throws IOException {
        this.home = home;
        this.emulator = LarkEmulator.start(options, null, null);
        this.alice = emulator.control().addUser("Alice", "alice@example.com");
        this.group = emulator.control().createGroup("scenario@test", alice);
        new LarkHandoffConfig(home, emulator.app().appId(), emulator.app().appSecret(), emulator.baseUrl())
                .withOperatorEmail(alice.email())
                .save();
        new AccessFile(home)
                .save(AccessPolicy.defaults()
                        .withAllowFrom(List.of(alice.openId()))
                        .withGroups(Map.of(group.chatId, new AccessPolicy.GroupRule(false, List.of()))));
    }

    AgentSession session(String id, String role, Map<String, String> meta) {
        AgentSession s = AgentSession.start(home, id, role, meta);
        synchronized (sessions) {
            sessions.add(s);
        }
        return s;
    }

    AgentSession dispatcher(String id) {
        return session(id, "dispatcher", Map.of());
    }

    AgentSession teammate(String id, String teammateName) {
        return session(id, "session", teammateName == null ? Map.of() : Map.of("teammate_name", teammateName));
    }

    /** Alice writes {@code text} in the group. */
    void aliceSays(String text) {
        emulator.control().sendText(alice, group.chatId, text);
    }

    /** The daemon processes serving this home (normally exactly one), found by their command lines. */
    List<ProcessHandle> daemons() {
        String homeArg = home.toString();
        List<ProcessHandle> out = new ArrayList<>();
        try (var dirs = java.nio.file.Files.list(Path.of("/proc"))) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                String name = dir.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    List<String> args = List.of(new String(
                                    java.nio.file.Files.readAllBytes(dir.resolve("cmdline")),
                                    java.nio.charset.StandardCharsets.UTF_8)
                            .split("\0"));
                    if (args.contains("daemon") && args.contains(homeArg)) {
                        ProcessHandle.of(Long.parseLong(name))
                                .filter(ProcessHandle::isAlive)
                                .ifPresent(out::add);
                    }
                } catch (IOException gone) {
                    // the process ended while we looked
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    @Override
    public void close() {
        synchronized (sessions) {
            sessions.forEach(s -> {
                try {
                    s.close();
                } catch (RuntimeException ignored) {
                    // already gone: the scenario killed it
                }
            });
        }
        daemons().forEach(ProcessHandle::destroyForcibly);
        emulator.close();
    }
}
