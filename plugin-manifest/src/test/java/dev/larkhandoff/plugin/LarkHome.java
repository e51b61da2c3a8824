package dev.larkhandoff.plugin;

import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A test's lark-handoff home: its config pointing at the emulator, and the daemons that serve it. */
final class LarkHome {

    /** The operator every plugin test hands off to. */
    static final String OPERATOR_EMAIL = "alice@example.com";

    private LarkHome() {}

    /** Writes {@code <home>/config.json} as {@code init} would: the emulator's app, Alice as the operator. */
    static void writeConfig(Path home, LarkEmulator lark) throws IOException {
        new LarkHandoffConfig(home, lark.app().appId(), lark.app().appSecret(), lark.baseUrl())
                .withOperatorEmail(OPERATOR_EMAIL)
                .save();
    }

    /** The daemons serving {@code home}, found by their command lines. */
    static List<ProcessHandle> daemonsOf(Path home) {
        String homeArg = home.toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info()
                        .arguments()
                        .map(a -> List.of(a).contains("daemon") && List.of(a).contains(homeArg))
                        .orElse(false))
                .toList();
    }
}
