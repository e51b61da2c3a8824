package dev.larkhandoff.server.doctor;

import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.lark.LarkClientConfig;
import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.access.AccessFile;
import dev.larkhandoff.server.access.AccessPolicy;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.config.StoreSettings;
import dev.larkhandoff.server.ipc.DaemonClient;
import dev.larkhandoff.server.ipc.DaemonSocket;
import dev.larkhandoff.server.routing.StalePending;
import dev.larkhandoff.server.tool.ToolResult;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.StoreLocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;

/**
 * Looks at everything that has to be right for lark-handoff to work, in the order a person fixes things, and says
 * for each what is wrong and the one thing to do: the config and its privacy, the app's credentials, the operator,
 * who gets in (access.json), the daemon (running, same version, connected to Lark, its socket private), the
 * Claude Code plugin, the sessions' roles, and messages waiting too long (or for a session that cannot receive them).
 * In team mode also the shared store, the clock against its server, and the team's daemons ({@link SharedStore}).
 */
public final class Doctor {

    /** Messages pending longer than this mean someone is not receiving them. */
    static final Duration PENDING_TOO_LONG = StalePending.TOO_LONG;

    private static final Duration LARK_TIMEOUT = Duration.ofSeconds(15);

    private final Path home;
    private final String version;
    private final Clock clock;
    private final Supplier<Optional<List<String>>> claudePlugins;
    private final Function<Path, StoreSettings> loadStore;
    private final String machine;

    /**
     * @param version       this program's version, which the daemon should run too
     * @param claudePlugins the output lines of {@code claude plugin list}, empty when {@code claude} is not there
     */
    public Doctor(Path home, String version, Clock clock, Supplier<Optional<List<String>>> claudePlugins) {
        this(home, version, clock, claudePlugins, h -> StoreSettings.local(), "");
    }

    private Doctor(
            Path home,
            String version,
            Clock clock,
            Supplier<Optional<List<String>>> claudePlugins,
            Function<Path, StoreSettings> loadStore,
            String machine) {
        this.home = home;
        this.version = version;
        this.clock = clock;
        this.claudePlugins = claudePlugins;
        this.loadStore = loadStore;
        this.machine = machine;
    }

    /**
     * The same doctor, reading the home's store settings with {@code loadStore}: in team mode (a shared store) it
     * also looks at the database, its schema, the clock skew against it, and the team's daemons.
     *
     * @param machine this machine's name, as its daemon reports it to the team
     */
    public Doctor withStore(Function<Path, StoreSettings> loadStore, String machine) {
        return new Doctor(home, version, clock, claudePlugins, loadStore, machine);
    }

    /** Every finding, errors first. */
    public List<Finding> examine(Function<Path, LarkHandoffConfig> loadConfig) {
        List<Finding> out = new ArrayList<>();
        Path configFile = home.resolve(LarkHandoffConfig.FILE_NAME);
        boolean hasConfigFile = Files.exists(configFile);
        // Looked at before loading: loading narrows a readable config to its owner.
        out.add(privacy(configFile, hasConfigFile));
        LarkHandoffConfig config = loadConfig.apply(home);
        out.add(credentials(config));
        out.add(operator(config));
        out.add(access());
        JsonNode status = daemon(out);
        out.add(socket());
        out.add(plugin());
        if (status != null) {
            out.add(store(status));
            out.add(roles(status));
        }
        Optional<StoreLocation> store = sharedStore(out);
        if (store.isPresent()) {
            pending(out, status, store.get());
        }
        out.sort(Comparator.comparing(Finding::level));
        return out;
    }

    private Finding privacy(Path configFile, boolean exists) {
        if (!exists) {
            return Finding.warning(
                    "config",
                    "no " + configFile + " (the environment may still configure the app)",
                    "run `lark-handoff init`");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(configFile);
            if (perms.stream()
                    .anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                return Finding.error(
                        "config",
                        configFile + " holds the app secret and others can read it ("
                                + java.nio.file.attribute.PosixFilePermissions.toString(perms) + ")",
                        "chmod 600 " + configFile);
            }
        } catch (IOException | UnsupportedOperationException e) {
            return Finding.warning(
                    "config",
                    "cannot read the permissions of " + configFile + ": " + e.getMessage(),
                    "check that only you can read it");
        }
        return Finding.ok("config", configFile + " is present and private");
    }

    private Finding credentials(LarkHandoffConfig config) {
        if (!config.hasCredentials()) {
            return Finding.error("credentials", "no Lark app is configured", "run `lark-handoff init`");
        }
        try (LarkClient lark =
                LarkClient.create(LarkClientConfig.of(config.domain(), config.appId(), config.appSecret()))) {
            var bot = lark.bot().info().block(LARK_TIMEOUT);
            return Finding.ok("credentials", "the app's credentials work; the bot is " + bot.appName());
        } catch (LarkException e) {
            return Finding.error(
                    "credentials",
                    "Lark refused the app (" + e.getMessage() + ")",
                    "copy the App ID and App Secret again and run `lark-handoff init`");
        } catch (RuntimeException e) {
            return Finding.error(
                    "credentials",
                    "Lark did not answer at " + config.domain() + ": " + e.getMessage(),
                    "check the domain and the network");
        }
    }

    private Finding operator(LarkHandoffConfig config) {
        if (config.operatorEmail() == null || config.operatorEmail().isBlank()) {
            return Finding.error(
                    "operator",
                    "no operator email: handoffs cannot invite or recognise you",
                    "run `lark-handoff init` (or set operator_email in " + home.resolve(LarkHandoffConfig.FILE_NAME)
                            + ")");
        }
        return Finding.ok("operator", "the operator is " + config.operatorEmail());
    }

    /**
     * Who gets in: a broken access.json is an error (the daemon holds the last valid policy, or withholds every
     * message when it never read one); a group whose allowFrom is the wildcard lets any member in, which is
     * worth a second look.
     */
    private Finding access() {
        AccessFile file = new AccessFile(home);
        AccessPolicy policy;
        try {
            policy = file.load();
        } catch (AccessFile.Invalid e) {
            return Finding.error(
                    "access",
                    e.getMessage() + " (the daemon keeps the last valid policy, or withholds "
                            + "new messages if it never read one)",
                    "fix the JSON in " + file.path() + ", or move it away to start from the defaults");
        } catch (RuntimeException e) {
            return Finding.error("access", e.getMessage(), "check " + file.path());
        }
        if (!Files.exists(file.path())) {
            return Finding.ok("access", "no " + file.path() + ": the defaults (unknown senders get a pairing code)");
        }
        List<String> open = policy.groups().entrySet().stream()
                .filter(g -> g.getValue().opensToAnyone())
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
        if (!open.isEmpty()) {
            return Finding.warning(
                    "access",
                    "every member of " + String.join(", ", open) + " can reach your agents " + "(allowFrom: [\""
                            + AccessPolicy.GroupRule.ANYONE + "\"])",
                    "if that is not meant, list who may "
                            + "speak there as the group's allowFrom in " + file.path()
                            + ", or leave it empty to use the "
                            + "allowlist");
        }
        return Finding.ok(
                "access",
                file.path() + " is valid; " + policy.allowFrom().size() + " allowlisted, "
                        + policy.groups().size() + " group(s), none open to every member");
    }

    /** The daemon's own checks; its status document, or null when it does not run. */
    private JsonNode daemon(List<Finding> out) {
        try (DaemonClient client = DaemonClient.probe(home, Duration.ofSeconds(3))) {
            String running = client.daemonHello().version();
            out.add(
                    running.equals(version)
                            ? Finding.ok("daemon", "the daemon runs version " + running)
                            : Finding.error(
                                    "daemon",
                                    "the daemon runs version " + running + ", this is " + version,
                                    "restart it: the next session's proxy asks an older daemon to make way, or kill pid "
                                            + client.daemonHello().pid()));
            ToolResult r = client.callTool(OwnershipTools.STATUS, Map.of()).get(10, TimeUnit.SECONDS);
            JsonNode status = ServerJson.mapper().readTree(r.text());
            JsonNode d = status.path("daemon");
            String lark = d.path("lark_connection").asString("");
            if (!"connected".equals(lark)) {
                out.add(Finding.error(
                        "lark_connection",
                        "the daemon's Lark connection is " + lark,
                        "check the credentials and the network; the daemon log is " + home.resolve("logs/daemon.log")));
            } else {
                String last = d.path("last_event_at").asString(null);
                out.add(Finding.ok(
                        "lark_connection",
                        "connected to Lark" + (last == null ? ", no event yet" : ", last event at " + last)));
            }
            String teamWarning = d.path("team_warning").asString(null);
            if (teamWarning != null) {
                out.add(Finding.warning(
                        "team",
                        teamWarning,
                        "set the same store_url (a PostgreSQL database) in config.json on every machine of this Lark app,"
                                + " then restart their daemons"));
            }
            return status;
        } catch (IOException e) {
            out.add(Finding.warning(
                    "daemon",
                    "no daemon runs for " + home,
                    "nothing to do: the first agent session starts it (or run `lark-handoff daemon`)"));
            return null;
        } catch (Exception e) {
            out.add(Finding.error("daemon", "the daemon did not answer its status: " + e.getMessage(), "restart it"));
            return null;
        }
    }

    private Finding socket() {
        Path sock = home.resolve(DaemonSocket.FILE_NAME);
        if (!Files.exists(sock, LinkOption.NOFOLLOW_LINKS)) {
            return Finding.ok("socket", "no socket yet (no daemon)");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(sock, LinkOption.NOFOLLOW_LINKS);
            Set<PosixFilePermission> homePerms = Files.getPosixFilePermissions(home);
            boolean open = perms.stream()
                            .anyMatch(p ->
                                    p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))
                    && homePerms.stream()
                            .anyMatch(p ->
                                    p.name().endsWith("EXECUTE") && !p.name().startsWith("OWNER"));
            return open
                    ? Finding.error(
                            "socket",
                            sock + " can be reached by other users",
                            "chmod 700 " + home + " and restart the daemon")
                    : Finding.ok("socket", sock + " is reachable by you only");
        } catch (IOException | UnsupportedOperationException e) {
            return Finding.warning(
                    "socket", "cannot read the permissions of " + sock, "check that only you can reach it");
        }
    }

    private Finding plugin() {
        Optional<List<String>> listed = claudePlugins.get();
        if (listed.isEmpty()) {
            return Finding.warning(
                    "plugin",
                    "Claude Code's `claude` is not on the PATH; the plugin could not be checked",
                    "install it from the local marketplace (see `lark-handoff init`) where you run Claude Code");
        }
        boolean installed = listed.get().stream().anyMatch(l -> l.contains("lark-handoff@"));
        return installed
                ? Finding.ok("plugin", "the Claude Code plugin is installed (hooks come with it)")
                : Finding.warning(
                        "plugin",
                        "the Claude Code plugin is not installed: no hooks, no permission cards",
                        "claude plugin install lark-handoff@lark-handoff-local (after `claude plugin marketplace add`)");
    }

    /**
     * In team mode, the shared store and the team (see {@link SharedStore}). Returns the store the pending messages
     * are counted in: the home's SQLite file, or the shared database when it can be read as it is; empty when it
     * cannot be read.
     */
    private Optional<StoreLocation> sharedStore(List<Finding> out) {
        StoreSettings settings;
        try {
            settings = loadStore.apply(home);
        } catch (IllegalArgumentException e) {
            out.add(Finding.error(
                    "shared_store",
                    e.getMessage(),
                    "fix store_url or the store's password in " + home.resolve(LarkHandoffConfig.FILE_NAME)
                            + " or the environment (docs/team-mode.md)"));
            return Optional.empty();
        }
        if (!settings.isShared()) {
            return Optional.of(StoreLocation.sqlite(home.resolve(Store.FILE_NAME)));
        }
        SharedStore.Examination team = SharedStore.examine(settings, home, clock, machine, version);
        out.addAll(team.findings());
        return team.readable().map(l -> l);
    }

    /** Whether the running daemon's store takes writes: Lark events wait unacknowledged while it does not. */
    private Finding store(JsonNode status) {
        JsonNode s = status.path("daemon").path("store");
        String file = s.has("database")
                ? s.path("database").asString("")
                : s.path("file").asString(home.resolve(Store.FILE_NAME).toString());
        if (s.path("writable").asBoolean(true)) {
            return Finding.ok("store", file + " takes writes");
        }
        return Finding.error(
                "store",
                file + " refuses writes since " + s.path("unwritable_since").asString("?")
                        + ": " + s.path("problem").asString("") + "; Lark events are not acknowledged (Lark pushes them"
                        + " again) until it takes writes again",
                "free space on its disk, or make it writable again (check"
                        + " `lsattr` and `mount` for an immutable file or a read-only disk); the daemon notices by itself");
    }

    private Finding roles(JsonNode status) {
        List<String> dispatchers = new ArrayList<>();
        status.path("sessions").forEach(s -> {
            if ("dispatcher".equals(s.path("role").asString(""))) {
                dispatchers.add(s.path("sessionId").asString(""));
            }
        });
        if (dispatchers.size() > 1) {
            return Finding.warning(
                    "roles",
                    dispatchers.size() + " sessions say they are the dispatcher: " + String.join(", ", dispatchers),
                    "set LARK_HANDOFF_ROLE=dispatcher for one session only");
        }
        return Finding.ok(
                "roles",
                dispatchers.isEmpty() ? "no dispatcher is connected" : "one dispatcher: " + dispatchers.get(0));
    }

    /** Messages that waited too long; and a push session they wait for, which may not have channels on. */
    private void pending(List<Finding> out, JsonNode status, StoreLocation location) {
        long old;
        if (status != null) {
            // The running daemon holds the store (a SQLite file exclusively): it counts for us.
            old = status.path("daemon").path("pending_over_10_min").asLong(0);
        } else if (location instanceof StoreLocation.SqliteFile f && !Files.exists(f.file())) {
            return;
        } else {
            try (Store store = Store.open(location, clock)) {
                old = StalePending.count(store, clock);
            } catch (RuntimeException e) {
                out.add(Finding.warning("pending", "cannot read the store: " + e.getMessage(), "check " + home));
                return;
            }
        }
        if (old == 0) {
            out.add(Finding.ok(
                    "pending", "no message has waited longer than " + PENDING_TOO_LONG.toMinutes() + " min"));
            return;
        }
        out.add(Finding.warning(
                "pending",
                old + " message(s) have waited longer than " + PENDING_TOO_LONG.toMinutes() + " min",
                "see `lark-handoff status`: the session they wait for is "
                        + "offline, or (push mode) does not receive channel events"));
        if (status == null) {
            return;
        }
        status.path("sessions").forEach(s -> {
            boolean push = "push".equals(s.path("delivery_mode").asString(""));
            if (push
                    && s.path("connected").asBoolean(false)
                    && s.path("pending").asLong(0) > 0) {
                out.add(Finding.warning(
                        "channel_delivery",
                        "session " + s.path("sessionId").asString("")
                                + " is connected in push mode but messages wait for it: its client may not have channels on",
                        "start Claude Code with --channels (or --dangerously-load-development-channels), or set "
                                + "LARK_HANDOFF_DELIVERY=pull and use wait_for_reply"));
            }
        });
    }
}
