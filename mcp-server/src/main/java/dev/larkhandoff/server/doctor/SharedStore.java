package dev.larkhandoff.server.doctor;

import dev.larkhandoff.server.config.StoreSettings;
import dev.larkhandoff.store.StoreException;
import dev.larkhandoff.store.StoreLocation;
import dev.larkhandoff.store.postgres.PostgresCheck;
import dev.larkhandoff.store.team.DaemonRecord;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The shared store of team mode (docs/team-mode.md), as the doctor looks at it: does the database answer, is its
 * schema this program's, does this machine's clock agree with the server's, and which daemons of the team are
 * alive. Also how to fix each way a database can fail to hold the store, which {@code lark-handoff init} says too.
 */
public final class SharedStore {

    /**
     * Clock skew worth a warning. Each daemon renews its lease by its own clock and the others judge it by theirs,
     * so clocks apart by more than a few seconds make a daemon look gone early, or alive late.
     */
    static final Duration SKEW_WARNING = Duration.ofSeconds(2);

    private SharedStore() {}

    /** What {@link #examine} found: the findings, and the store's location when it can be read as it is. */
    public record Examination(List<Finding> findings, Optional<StoreLocation.Postgres> readable) {}

    /**
     * Looks at the shared store these settings name, without changing it.
     *
     * @param machine this machine's name, to tell its daemon among the team's
     * @param version this program's version, which every daemon of the team should run
     */
    public static Examination examine(StoreSettings settings, Path home, Clock clock, String machine, String version) {
        List<Finding> out = new ArrayList<>();
        StoreLocation.Postgres location;
        try {
            location = (StoreLocation.Postgres) settings.location(home);
        } catch (IllegalArgumentException e) {
            out.add(Finding.error(
                    "shared_store",
                    e.getMessage(),
                    "correct store_url in " + home.resolve("config.json") + " (or LARK_HANDOFF_STORE_URL): "
                            + "postgresql://user@host:5432/database"));
            return new Examination(out, Optional.empty());
        }
        PostgresCheck.Server server;
        try {
            server = PostgresCheck.look(location, clock);
        } catch (StoreException e) {
            out.add(explain(e, settings, location, home));
            return new Examination(out, Optional.empty());
        }
        out.add(Finding.ok(
                "shared_store",
                location + " answers (PostgreSQL " + server.serverVersion() + ", the primary); the password comes from "
                        + settings.passwordSource()));
        out.add(schema(server));
        out.add(clockAgainst(server));
        team(out, server, clock, machine, version, location);
        return new Examination(
                out, server.schemaVersion() == server.programVersion() ? Optional.of(location) : Optional.empty());
    }

    private static Finding schema(PostgresCheck.Server server) {
        if (server.schemaVersion() == server.programVersion()) {
            return Finding.ok("store_schema", "schema version " + server.schemaVersion() + ", this program's");
        }
        if (server.schemaVersion() == 0) {
            return Finding.ok(
                    "store_schema",
                    "no store there yet; the first daemon creates its tables (schema version " + server.programVersion()
                            + "), which this user may");
        }
        return Finding.warning(
                "store_schema",
                "the store is at schema version " + server.schemaVersion() + ", this program's is "
                        + server.programVersion() + "; the first daemon of this version brings it up to date",
                "upgrade lark-handoff on every machine of the team: a daemon of an older version refuses a newer"
                        + " store when it next starts");
    }

    /** Whether this machine's clock agrees with the database server's, closely enough for the leases. */
    public static Finding clockAgainst(PostgresCheck.Server server) {
        long skew = server.skewMillis();
        String amount = String.format(Locale.ROOT, "%.1f s", Math.abs(skew) / 1000.0);
        if (Math.abs(skew) <= SKEW_WARNING.toMillis()) {
            return Finding.ok("clock", "this machine's clock and the database server's agree within " + amount);
        }
        return Finding.warning(
                "clock",
                "this machine's clock is " + amount + (skew > 0 ? " behind" : " ahead of")
                        + " the database server's; daemons judge each other's leases by their own clocks, so one may"
                        + " be taken for gone while it runs, or for alive after it stopped",
                "synchronise the clocks with NTP on this machine and the others of the team (timedatectl set-ntp"
                        + " true, or chrony)");
    }

    private static void team(
            List<Finding> out,
            PostgresCheck.Server server,
            Clock clock,
            String machine,
            String version,
            StoreLocation.Postgres location) {
        long now = clock.millis();
        List<DaemonRecord> alive =
                server.daemons().stream().filter(d -> d.aliveAt(now)).toList();
        List<DaemonRecord> gone =
                server.daemons().stream().filter(d -> !d.aliveAt(now)).toList();
        String stopped = gone.isEmpty()
                ? ""
                : "; stopped: "
                        + String.join(
                                ", ",
                                gone.stream()
                                        .map(d -> d.machine() + " (last heartbeat "
                                                + Instant.ofEpochMilli(d.heartbeatAt()) + ")")
                                        .toList());
        if (alive.isEmpty()) {
            out.add(Finding.warning(
                    "team",
                    "no daemon of the team is alive in " + location + stopped,
                    "nothing to do if no agent runs: the first agent session on a machine starts its daemon (or run"
                            + " `lark-handoff daemon`)"));
            return;
        }
        out.add(Finding.ok(
                "team",
                alive.size() + " daemon(s) alive: "
                        + String.join(
                                ", ", alive.stream().map(DaemonRecord::machine).toList()) + stopped));
        for (DaemonRecord d : alive) {
            String text = d.machine() + (d.machine().equals(machine) ? " (this machine)" : "") + ": pid " + d.pid()
                    + ", version " + d.version() + ", last heartbeat "
                    + Duration.ofMillis(Math.max(0, now - d.heartbeatAt())).toSeconds() + " s ago ("
                    + Instant.ofEpochMilli(d.heartbeatAt()) + "), Lark connection " + d.larkConnection();
            if (!d.version().equals(version)) {
                out.add(Finding.warning(
                        "team_daemon",
                        text + "; this program is version " + version,
                        "run the same lark-handoff on every machine of the team"));
            } else if (!"connected".equals(d.larkConnection())) {
                out.add(Finding.warning(
                        "team_daemon",
                        text + "; Lark hands events to the daemons that are connected",
                        "look at the daemon log on " + d.machine() + " (" + d.home() + "/logs/daemon.log)"));
            } else {
                out.add(Finding.ok("team_daemon", text));
            }
        }
    }

    /**
     * Why {@code location} cannot hold the store, read from {@code failure} (a {@link PostgresCheck.Failed}, or what
     * opening the store threw), with the fix for that reason. Never shows the password.
     */
    public static Finding explain(
            Throwable failure, StoreSettings settings, StoreLocation.Postgres location, Path home) {
        String user = location.user();
        String db = location.database();
        String fix = switch (PostgresCheck.classify(failure)) {
            case UNREACHABLE ->
                "check the host and port in store_url (" + location.describe() + "), that"
                        + " the server runs and listens there (listen_addresses and port in postgresql.conf), and"
                        + " that no firewall is in the way";
            case NO_PASSWORD ->
                "give " + user + "'s password: in LARK_HANDOFF_STORE_PASSWORD, in "
                        + home.resolve(StoreSettings.PASSWORD_FILE) + " (chmod 600), or in the URL";
            case BAD_PASSWORD ->
                "the password from " + settings.passwordSource() + " is not " + user
                        + "'s: correct it there (on the server, ALTER ROLE " + user + " PASSWORD '…' sets a new"
                        + " one)";
            case NOT_ALLOWED ->
                "let " + user + " connect to " + db + " from this machine: a line in the"
                        + " server's pg_hba.conf (host " + db + " " + user
                        + " <this machine's address>/32 scram-sha-256), then reload the server; and the role must"
                        + " be allowed to log in (ALTER ROLE " + user + " LOGIN)";
            case NO_DATABASE ->
                "create it on the server: CREATE DATABASE " + db + " OWNER " + user + "; (or createdb -O " + user + " "
                        + db + ")";
            case NO_CREATE ->
                "let " + user + " create the store's tables: GRANT CREATE ON SCHEMA public TO "
                        + user + "; (PostgreSQL 15 and newer grant it to the database's owner only), or make " + user
                        + " the owner of " + db;
            case STANDBY ->
                "point store_url at the primary server: a standby takes no writes, and every"
                        + " daemon of the team writes to the one primary";
            case NEWER_SCHEMA ->
                "a newer lark-handoff made this store: install that version (or a newer one)"
                        + " here too; every daemon of a team runs the same version";
            case OTHER -> "see the server's answer above, and its log";
        };
        return Finding.error("shared_store", failure.getMessage(), fix);
    }
}
