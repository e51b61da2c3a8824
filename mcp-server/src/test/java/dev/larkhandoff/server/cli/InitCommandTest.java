package dev.larkhandoff.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.LarkEmulator;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.world.ChildJvm;
import dev.larkhandoff.store.StoreLocation;
import dev.larkhandoff.store.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code lark-handoff init} end to end against the emulator, as a real child process: scripted with flags, and
 * interactively under a pseudo-terminal (the shared store's question and its password too); each failure it checks
 * for explained, and nothing written then.
 */
@ExtendWith(TestPostgres.class)
class InitCommandTest {

    @TempDir
    Path home;

    private LarkEmulator lark;

    @BeforeEach
    void setUp() {
        lark = LarkEmulator.start();
        lark.control().addUser("Alice", "alice@example.com");
    }

    @AfterEach
    void tearDown() {
        lark.close();
    }

    /** What one run printed and how it ended. */
    record Run(int exit, String out, String err) {}

    @Test
    void given_flags_that_check_out_then_the_config_is_written_private_and_the_checklist_printed() throws Exception {
        Run run = init(
                null,
                "--domain",
                lark.baseUrl(),
                "--app-id",
                lark.app().appId(),
                "--app-secret",
                lark.app().appSecret(),
                "--email",
                "alice@example.com",
                "--plugin-dir",
                home.resolve("none").toString());

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out())
                .contains(
                        "✔ App credentials work",
                        "✔ alice@example.com is ou_",
                        "persistent connection",
                        "claude plugin install lark-handoff@lark-handoff-local");
        Path config = home.resolve("config.json");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config)))
                .isEqualTo("rw-------");
        JsonNode written = ServerJson.mapper().readTree(Files.readString(config));
        assertThat(written.path("app_id").asString()).isEqualTo(lark.app().appId());
        assertThat(written.path("operator_email").asString()).isEqualTo("alice@example.com");
        assertThat(run.out() + run.err())
                .as("the secret is never printed")
                .doesNotContain(lark.app().appSecret());
    }

    @Test
    void given_a_wrong_secret_then_it_says_to_copy_the_credentials_again_and_writes_nothing() throws Exception {
        Run run = init(
                null,
                "--domain",
                lark.baseUrl(),
                "--app-id",
                lark.app().appId(),
                "--app-secret",
                "wrong",
                "--email",
                "alice@example.com",
                "--no-plugin");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("Lark refused the App ID / App Secret", "Credentials & Basic Info");
        assertThat(home.resolve("config.json")).doesNotExist();
    }

    @Test
    void given_an_email_lark_does_not_know_then_it_says_what_to_check_and_writes_nothing() throws Exception {
        Run run = init(
                null,
                "--domain",
                lark.baseUrl(),
                "--app-id",
                lark.app().appId(),
                "--app-secret",
                lark.app().appSecret(),
                "--email",
                "bob@example.com",
                "--no-plugin");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("no Lark user with the email bob@example.com", "availability");
        assertThat(home.resolve("config.json")).doesNotExist();
    }

    @Test
    void given_an_unreachable_domain_then_it_says_so() throws Exception {
        Run run = init(
                null,
                "--domain",
                "http://127.0.0.1:9",
                "--app-id",
                "cli_x",
                "--app-secret",
                "s",
                "--email",
                "alice@example.com",
                "--no-plugin");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("cannot reach Lark at http://127.0.0.1:9");
    }

    @Test
    void without_a_terminal_and_without_flags_it_names_what_is_missing() throws Exception {
        Run run = init(null, "--no-plugin");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).as("the domain defaults to feishu").contains("missing --app-id --app-secret --email");
    }

    @Test
    void in_a_terminal_it_asks_for_each_value_and_hides_the_secret() throws Exception {
        // The last line leaves the shared store empty: this machine only.
        String typed =
                lark.baseUrl() + "\n" + lark.app().appId() + "\n" + lark.app().appSecret() + "\nalice@example.com\n\n";

        Run run = init(typed, "--no-plugin");

        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("Lark domain", "App ID", "App Secret", "Your Lark login email", "✔ Wrote");
        assertThat(run.out())
                .as("the secret is not echoed")
                .doesNotContain(lark.app().appSecret());
        assertThat(ServerJson.mapper()
                        .readTree(Files.readString(home.resolve("config.json")))
                        .path("operator_email")
                        .asString())
                .isEqualTo("alice@example.com");
    }

    @Test
    void in_a_terminal_it_asks_for_the_shared_store_and_its_password_and_keeps_the_password_private() throws Exception {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        String typed = lark.baseUrl() + "\n" + lark.app().appId() + "\n"
                + lark.app().appSecret() + "\nalice@example.com\n" + db + "\n" + db.password() + "\n";

        Run run = init(typed, "--no-plugin");

        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out())
                .contains("Team mode: the PostgreSQL database", "Password for " + db, "✔ The shared store is ready");
        assertThat(run.out() + run.err()).as("the password is not echoed").doesNotContain(db.password());
        Path passwordFile = home.resolve("store-password");
        assertThat(Files.readString(passwordFile).strip()).isEqualTo(db.password());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)))
                .isEqualTo("rw-------");
        assertThat(ServerJson.mapper()
                        .readTree(Files.readString(home.resolve("config.json")))
                        .path("store_url")
                        .asString())
                .isEqualTo(db.toString());
    }

    /** Runs {@code lark-handoff init --home <home> <args>}; with {@code typed}, under a pseudo-terminal fed those lines. */
    private Run init(String typed, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(ChildJvm.command("init", "--home", home.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb;
        if (typed == null) {
            pb = new ProcessBuilder(cmd);
        } else {
            // util-linux script gives the command a pseudo-terminal, so System.console() exists, and types stdin in.
            pb = new ProcessBuilder(
                    "script",
                    "-qec",
                    String.join(" ", cmd.stream().map(InitCommandTest::quote).toList()),
                    "/dev/null");
        }
        pb.environment().remove("LARK_APP_ID");
        pb.environment().remove("LARK_APP_SECRET");
        pb.environment().remove("LARK_HANDOFF_STORE_URL");
        pb.environment().remove("LARK_HANDOFF_STORE_PASSWORD");
        Path out = Files.createTempFile(home.getParent(), "init-", ".out");
        Path err = Files.createTempFile(home.getParent(), "init-", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (typed != null) {
            for (String line : typed.split("\n")) {
                // One line at a time, as a person types: each prompt reads its own line.
                Thread.sleep(700);
                p.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().flush();
            }
        }
        p.getOutputStream().close();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("init finished").isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
