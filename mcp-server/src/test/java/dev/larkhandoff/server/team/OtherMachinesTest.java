package dev.larkhandoff.server.team;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.daemon.Daemon;
import dev.larkhandoff.server.daemon.DaemonOptions;
import dev.larkhandoff.server.doctor.Doctor;
import dev.larkhandoff.server.doctor.Finding;
import dev.larkhandoff.testing.Eventually;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OtherMachinesTest {

    @TempDir
    Path homeA;

    @TempDir
    Path homeB;

    @Test
    void given_group_names_then_the_machine_is_what_follows_the_last_at_sign() {
        assertThat(OtherMachines.machineOf("repo@alpha")).contains("alpha");
        assertThat(OtherMachines.machineOf("repo2@dev-box")).contains("dev-box");
        assertThat(OtherMachines.machineOf("team chat")).isEmpty();
        assertThat(OtherMachines.machineOf("@alpha")).isEmpty();
        assertThat(OtherMachines.machineOf("repo@")).isEmpty();
        assertThat(OtherMachines.machineOf("mail a@b c")).isEmpty();
    }

    @Test
    void given_two_homes_on_one_lark_app_without_a_shared_store_then_the_one_that_gets_the_other_machines_group_warns()
            throws Exception {
        try (LarkEmulator lark = LarkEmulator.start()) {
            EmuUser alice = lark.control().addUser("Alice", "alice@example.com");
            EmuChat alphasGroup = lark.control().createGroup("repo@alpha", alice);
            alphasGroup.description = "Handoff group. workspace:alpha-repo";
            EmuChat chatter = lark.control().createGroup("lunch@cafeteria", alice);
            configure(homeA, lark);
            configure(homeB, lark);
            try (Daemon alpha = start(homeA, "alpha");
                    Daemon beta = start(homeB, "beta")) {
                Eventually.await(() -> lark.control().gateway().connectionsOpened() >= 2, "both daemons connected");

                // Lark hands each event to one of the app's connections at random: some reach beta.
                for (int i = 0; i < 40; i++) {
                    lark.control().sendText(alice, alphasGroup.chatId, "message " + i);
                    lark.control().sendText(alice, chatter.chatId, "an ordinary group named with an @ " + i);
                }

                Eventually.await(() -> teamFinding(homeB).isPresent(), "beta's doctor to warn");
                assertThat(teamFinding(homeB).get().message())
                        .contains("this Lark app is also used from alpha")
                        .doesNotContain("cafeteria")
                        .contains("store_url");
                assertThat(teamFinding(homeA))
                        .as("alpha's own group is no sign of another machine")
                        .isEmpty();
            }
        }
    }

    private static void configure(Path home, LarkEmulator lark) throws Exception {
        new LarkHandoffConfig(home, lark.app().appId(), lark.app().appSecret(), lark.baseUrl()).save();
    }

    private static Daemon start(Path home, String machine) throws Exception {
        LarkHandoffConfig config = LarkHandoffConfig.load(Environment.of(Map.of(Environment.HOME, home.toString())));
        return Daemon.start(DaemonOptions.of(config, "test").withoutHttp().withMachine(machine));
    }

    private static Optional<Finding> teamFinding(Path home) {
        List<Finding> findings = new Doctor(home, "test", Clock.systemUTC(), Optional::empty)
                .examine(h -> LarkHandoffConfig.load(Environment.of(Map.of(Environment.HOME, h.toString()))));
        return findings.stream().filter(f -> f.check().equals("team")).findFirst();
    }
}
