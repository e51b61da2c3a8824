package dev.larkhandoff.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.daemon.Daemon;
import dev.larkhandoff.server.daemon.DaemonOptions;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.StoreLocation;
import dev.larkhandoff.store.TestPostgres;
import dev.larkhandoff.store.channel.OwnershipChange;
import dev.larkhandoff.store.chat.ChatConfig;
import dev.larkhandoff.store.chat.FilterLevel;
import dev.larkhandoff.store.chat.MemberRole;
import dev.larkhandoff.store.chat.SentMessage;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.inbox.InboxEvent;
import dev.larkhandoff.store.inbox.InboxRow;
import dev.larkhandoff.store.postgres.PostgresCheck;
import dev.larkhandoff.store.session.DeliveryMode;
import dev.larkhandoff.store.session.Role;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code lark-handoff store migrate}, run in-process: a real SQLite home that started alone, moved into a real
 * PostgreSQL database, once and then again; refused while the home's daemon runs; never printing the password.
 */
@ExtendWith(TestPostgres.class)
class StoreCommandTest {

    @RegisterExtension
    final TestWorld world = TestWorld.builder().build();

    private final Clock clock = Clock.systemUTC();

    @Test
    void given_a_home_that_started_alone_when_migrated_then_every_row_is_in_the_database_and_again_nothing_changes() {
        StoreLocation.Postgres team = TestPostgres.newDatabase();
        populate(home());
        Map<String, String> env = Map.of(Environment.STORE_PASSWORD, team.password());

        Cli.Run first = Cli.run(env, "store", "migrate", "--home", home().toString(), "--to", team.toString());

        assertThat(first.exit()).as(first.all()).isZero();
        assertThat(first.out())
                .contains("Copying " + home().resolve(Store.FILE_NAME) + " into " + team)
                .containsPattern("inbox\\s+3\\s+0\\s+0")
                .containsPattern("sessions\\s+2\\s+0\\s+0")
                .contains("Copied 16 row(s) into " + team, "is left as it was", "--store-url");
        assertThat(first.all()).doesNotContain(team.password());
        try (Store from = Store.open(home(), clock);
                Store to = Store.open(team, clock)) {
            assertThat(to.inbox().history("oc_1", 10))
                    .extracting(r -> r.event().dedupeKey())
                    .containsExactlyElementsOf(from.inbox().history("oc_1", 10).stream()
                            .map(r -> r.event().dedupeKey())
                            .toList());
            assertThat(to.inbox().find("event:ev-2").map(InboxRow::state))
                    .isEqualTo(from.inbox().find("event:ev-2").map(InboxRow::state));
            assertThat(to.sessions().all()).hasSize(2);
            assertThat(to.bindings().find("oc_1")).isEqualTo(from.bindings().find("oc_1"));
            assertThat(to.chats().config("oc_1")).isEqualTo(from.chats().config("oc_1"));
            assertThat(to.chats().members("oc_1")).isEqualTo(from.chats().members("oc_1"));
            assertThat(to.chats().lookupParent("om_s1")).isEqualTo(from.chats().lookupParent("om_s1"));
            assertThat(to.permissions().find("perm-1"))
                    .isEqualTo(from.permissions().find("perm-1"));
            assertThat(to.settings().get("stop:s1")).contains("1");
            assertThat(to.channel().current()).isEqualTo(from.channel().current());
            assertThat(to.channel().log(10)).hasSize(1);
        }

        Cli.Run second = Cli.run(env, "store", "migrate", "--home", home().toString(), "--to", team.toString());

        assertThat(second.exit()).as(second.all()).isZero();
        assertThat(second.out())
                .containsPattern("inbox\\s+0\\s+3\\s+0")
                .contains(
                        "Nothing changed: every row of " + home().resolve(Store.FILE_NAME) + " was already in " + team);
    }

    @Test
    void given_rows_the_team_wrote_differently_then_they_stay_and_the_output_names_them() {
        StoreLocation.Postgres team = TestPostgres.newDatabase();
        populate(home());
        try (Store to = Store.open(team, clock)) {
            to.chats().saveConfig(new ChatConfig("oc_1", FilterLevel.VERBOSE, true, "team norms", null, 0));
        }

        Cli.Run run = Cli.run(
                Map.of(Environment.STORE_PASSWORD, team.password()),
                "store",
                "migrate",
                "--home",
                home().toString(),
                "--to",
                team.toString());

        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.out())
                .containsPattern("chat_config\\s+0\\s+0\\s+1")
                .contains("Rows that differ, left as the database has them", "chat_config oc_1");
        try (Store to = Store.open(team, clock)) {
            assertThat(to.chats().config("oc_1").norms()).isEqualTo("team norms");
        }
    }

    @Test
    void given_the_password_in_the_url_then_it_is_used_and_never_printed() {
        StoreLocation.Postgres team = TestPostgres.newDatabase();
        populate(home());
        String url = team.urlWithPassword();

        Cli.Run run = Cli.run(Map.of(), "store", "migrate", "--home", home().toString(), "--to", url);

        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.all()).doesNotContain(team.password()).contains(team.toString());
    }

    @Test
    void given_the_configured_store_url_then_migrate_needs_no_to() throws Exception {
        StoreLocation.Postgres team = TestPostgres.newDatabase();
        populate(home());
        new dev.larkhandoff.server.config.LarkHandoffConfig(home(), "cli_x", "s", "feishu")
                .save(java.util.Optional.of(team.toString()));

        Cli.Run run = Cli.run(
                Map.of(Environment.STORE_PASSWORD, team.password()), "store", "migrate", "--home", home().toString());

        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.out()).contains("Copied 16 row(s)", "Next: start a session");
    }

    @Test
    void given_a_wrong_password_then_it_says_where_the_password_came_from_and_copies_nothing() {
        StoreLocation.Postgres team = TestPostgres.newDatabase();
        populate(home());

        Cli.Run run = Cli.run(
                Map.of(Environment.STORE_PASSWORD, "not-it"),
                "store",
                "migrate",
                "--home",
                home().toString(),
                "--to",
                team.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("password authentication failed", "fix:", Environment.STORE_PASSWORD);
        assertThat(run.all()).doesNotContain("not-it");
        assertThat(PostgresCheck.look(team, clock).schemaVersion()).isZero();
    }

    @Test
    void given_the_daemon_of_the_home_runs_then_it_refuses_and_says_how_to_stop_it() throws Exception {
        StoreLocation.Postgres team = TestPostgres.newDatabase();
        populate(home());
        try (Daemon daemon =
                Daemon.start(DaemonOptions.of(world.config(), "1.0.0").withoutHttp())) {

            Cli.Run run = Cli.run(
                    Map.of(Environment.STORE_PASSWORD, team.password()),
                    "store",
                    "migrate",
                    "--home",
                    home().toString(),
                    "--to",
                    team.toString());

            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err())
                    .contains(
                            "the daemon of " + home() + " is running (pid "
                                    + ProcessHandle.current().pid(),
                            "end the agent sessions",
                            "SIGTERM");
        }
        assertThat(PostgresCheck.look(team, clock).schemaVersion())
                .as("nothing was written to the database")
                .isZero();
    }

    @Test
    void given_a_home_without_a_store_then_there_is_nothing_to_copy() {
        Cli.Run run = Cli.run(
                Map.of(), "store", "migrate", "--home", home().toString(), "--to", "postgresql://u@127.0.0.1/db");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("no store of this home", "nothing to copy");
    }

    private Path home() {
        return world.home();
    }

    /** A home a daemon has used alone for a while: 16 rows over every table. */
    private void populate(Path home) {
        try (Store store = Store.open(home, clock)) {
            store.sessions().register("s1", Role.DISPATCHER, "{}", DeliveryMode.PUSH, 11L, "1.0");
            store.sessions().register("s2", Role.SESSION, "{}", DeliveryMode.PULL, 12L, "1.0");
            store.channel()
                    .transition(
                            new OwnershipChange("register", "s1", null),
                            s -> s.withDispatcher("s1").withOwner("s1"));
            for (int i = 1; i <= 3; i++) {
                store.inbox()
                        .insertIfAbsent(InboxEvent.of("ev-" + i, "im.message.receive_v1", "{}")
                                .withMessage(
                                        "om_" + i, "oc_1", "group", "ou_alice", "user", "text", "hi " + i, (long) i));
            }
            store.inbox().markDelivered("event:ev-1", "s1");
            store.inbox().markFiltered("event:ev-2", "not allowed");
            store.bindings().claim(Binding.of("oc_1", "s2"));
            store.chats().saveConfig(new ChatConfig("oc_1", FilterLevel.IMPORTANT, false, "be brief", null, 5));
            store.chats().putMember("oc_1", "ou_bob", "Bob", MemberRole.GUEST);
            store.chats().putMember("oc_1", "ou_carol", "Carol", MemberRole.COOWNER);
            store.chats().recordSent(new SentMessage("om_s1", "oc_1", "s1", "message", null, "hi", 100));
            store.chats().recordSent(new SentMessage("om_s2", "oc_1", "s2", "message", null, "ho", 200));
            store.permissions().create("perm-1", "s2", "oc_1", "Bash", "ls");
            store.settings().put("stop:s1", "1");
            store.settings().put("unanswered:oc_1", "om_3");
        }
    }
}
