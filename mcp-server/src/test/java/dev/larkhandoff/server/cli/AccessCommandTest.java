package dev.larkhandoff.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.access.AccessFile;
import dev.larkhandoff.server.access.AccessPolicy;
import dev.larkhandoff.server.access.AccessTable;
import dev.larkhandoff.server.world.ChildJvm;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.StoreLocation;
import dev.larkhandoff.store.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lark-handoff access} as a real child process, against a broken and a valid {@code access.json}. */
@org.junit.jupiter.api.extension.ExtendWith(TestPostgres.class)
class AccessCommandTest {

    @TempDir
    Path home;

    /** What one run printed and how it ended. */
    record Run(int exit, String out, String err) {}

    @Test
    void given_a_broken_access_file_then_allow_refuses_naming_the_problem_and_writes_nothing_over_it()
            throws Exception {
        String broken = "{\"allowFrom\": [\"ou_a\",";
        Files.writeString(home.resolve("access.json"), broken);

        Run allow = access("allow", "ou_b");
        Run show = access("show");

        assertThat(allow.exit()).isEqualTo(1);
        assertThat(allow.err()).contains(home.resolve("access.json") + " is not a valid access policy", "fix it");
        assertThat(show.exit()).isEqualTo(1);
        assertThat(Files.readString(home.resolve("access.json"))).isEqualTo(broken);
    }

    @Test
    void given_a_valid_access_file_then_allow_adds_to_the_allowlist() throws Exception {
        new AccessFile(home).save(AccessPolicy.defaults().withAllowFrom(List.of("ou_a")));

        Run allow = access("allow", "ou_b");

        assertThat(allow.exit()).as(allow.err()).isZero();
        assertThat(new AccessFile(home).load().allowFrom()).containsExactly("ou_a", "ou_b");
    }

    @Test
    void given_a_team_store_then_allow_edits_the_teams_policy_seeded_from_this_homes_file_and_others_see_it()
            throws Exception {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        Files.writeString(home.resolve("config.json"), "{\"store_url\": \"" + db.urlWithPassword() + "\"}");
        new AccessFile(home).save(AccessPolicy.defaults().withAllowFrom(List.of("ou_a")));

        Run allow = access("allow", "ou_b");

        assertThat(allow.exit()).as(allow.err()).isZero();
        assertThat(allow.err()).doesNotContain(db.password());
        assertThat(new AccessFile(home).load().allowFrom())
                .as("the file is left as it was; the team's policy is in the store now")
                .containsExactly("ou_a");
        try (Store store = Store.open(db, Clock.systemUTC())) {
            AccessTable teams =
                    new AccessTable(store.settings(), store.location().describe());
            assertThat(teams.load().allowFrom()).containsExactly("ou_a", "ou_b");
        }
    }

    private Run access(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(ChildJvm.command("access"));
        cmd.add(args[0]);
        cmd.add("--home");
        cmd.add(home.toString());
        cmd.addAll(List.of(args).subList(1, args.length));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out, err);
    }
}
