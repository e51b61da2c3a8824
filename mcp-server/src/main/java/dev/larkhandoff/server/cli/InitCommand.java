package dev.larkhandoff.server.cli;

import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.lark.LarkClientConfig;
import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.contact.BotInfo;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.config.StoreSettings;
import dev.larkhandoff.server.doctor.Finding;
import dev.larkhandoff.server.doctor.SharedStore;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.StoreException;
import dev.larkhandoff.store.StoreLocation;
import dev.larkhandoff.store.postgres.PostgresCheck;
import dev.larkhandoff.store.team.DaemonRecord;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * {@code lark-handoff init}: the one setup step. Asks (in a terminal) or takes as flags the Lark domain, the app's
 * id and secret, the operator's login email and, for team mode, the PostgreSQL database the machines share; checks
 * each live (against Lark: a token, the bot, the user by email; against the database: it answers, is a primary,
 * and takes the store's tables) and explains what to fix when one fails; writes {@code config.json} (0600) only
 * when all passed; prints the Lark console checklist; installs the Claude Code plugin when {@code claude} is on the
 * PATH.
 */
@Command(
        name = "init",
        description = "Set up the Lark app and the operator, check them live, write the config "
                + "and install the Claude Code plugin.")
final class InitCommand implements Callable<Integer> {

    private static final Duration LARK_TIMEOUT = Duration.ofSeconds(20);

    @Mixin
    HomeOption home;

    @Option(names = "--domain", description = "feishu (Feishu, China), lark (Lark, international) or a base URL.")
    String domain;

    @Option(names = "--app-id", description = "The app's App ID (cli_…), from Credentials & Basic Info.")
    String appId;

    @Option(
            names = "--app-secret",
            description = "The app's App Secret. Asked without echo when left out in a terminal.")
    String appSecret;

    @Option(
            names = "--email",
            description = "Your Lark login email: you are invited to handoff groups and answer there.")
    String email;

    @Option(
            names = "--store-url",
            paramLabel = "<postgresql url>",
            description = "Team mode: the PostgreSQL database the daemons of every machine of this Lark app share,"
                    + " postgresql://user@host:5432/database (the password in LARK_HANDOFF_STORE_PASSWORD or"
                    + " <home>/store-password, or in the URL); `none` for this machine's own store. Asked in a"
                    + " terminal; left out, the current choice stays.")
    String storeUrl;

    @Option(names = "--no-plugin", description = "Do not install the Claude Code plugin.")
    boolean noPlugin;

    @Spec
    CommandSpec spec;

    private PrintWriter out;
    private PrintWriter err;

    @Option(
            names = "--plugin-dir",
            description = "The plugin marketplace to install from (default: the one beside "
                    + "this jar, or the build's plugin-manifest/target/plugin).")
    Path pluginDir;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        LarkHandoffConfig existing = home.config();
        Environment env = home.environment();
        Path dir = existing.home();
        Console console = System.console();
        domain = ask(console, "Lark domain (feishu, lark or a URL)", domain, existing.domain(), false);
        appId = ask(console, "App ID", appId, existing.appId(), false);
        appSecret = ask(console, "App Secret", appSecret, existing.appSecret(), true);
        email = ask(console, "Your Lark login email", email, existing.operatorEmail(), false);
        Optional<String> currentStore = configuredStoreUrl(env, dir);
        String storeAnswer = askStore(console, currentStore);
        if (domain == null || appId == null || appSecret == null || email == null) {
            err.println("init: missing " + (domain == null ? "--domain " : "") + (appId == null ? "--app-id " : "")
                    + (appSecret == null ? "--app-secret " : "") + (email == null ? "--email" : "")
                    + " (no terminal to ask; pass them as options)");
            return 2;
        }
        // The store to check: the one given now, else the one configured; none when the home keeps its own.
        boolean storeChanged = storeAnswer != null;
        boolean removeStore = storeChanged && storeAnswer.equalsIgnoreCase(NO_STORE);
        Optional<String> store =
                removeStore ? Optional.empty() : storeChanged ? Optional.of(storeAnswer) : currentStore;
        StoreSettings settings = null;
        String typedPassword = null;
        if (store.isPresent()) {
            try {
                settings = StoreSettings.forUrl(store.get(), env, dir);
            } catch (IllegalArgumentException e) {
                err.println("✘ " + e.getMessage());
                err.println("Nothing was written; fix that and run `lark-handoff init` again.");
                return 1;
            }
            // Asked with the other questions, before any check: typed ahead of its prompt, a password would echo.
            if (settings.password().isEmpty() && console != null) {
                typedPassword = askStorePassword(console, settings, dir);
                if (typedPassword != null) {
                    settings = new StoreSettings(settings.url(), Optional.of(typedPassword), "the password you typed");
                }
            }
        }
        out.println("Checking with Lark …");
        Optional<String> problem = check();
        if (problem.isPresent()) {
            err.println("✘ " + problem.get());
            err.println("Nothing was written; fix that and run `lark-handoff init` again.");
            return 1;
        }
        if (settings != null) {
            Optional<Finding> storeProblem = checkStore(settings, dir);
            if (storeProblem.isPresent()) {
                err.println("✘ " + storeProblem.get().message());
                err.println("    fix: " + storeProblem.get().fix());
                err.println("Nothing was written; fix that and run `lark-handoff init` again.");
                return 1;
            }
        }
        LarkHandoffConfig config = new LarkHandoffConfig(dir, appId, appSecret, domain, email);
        if (storeChanged) {
            config.save(removeStore ? Optional.empty() : Optional.of(storeAnswer));
        } else {
            config.save();
        }
        out.println("✔ Wrote " + dir.resolve(LarkHandoffConfig.FILE_NAME) + " (readable by you only)");
        if (typedPassword != null) {
            out.println("✔ Wrote the store's password to " + StoreSettings.writePasswordFile(dir, typedPassword)
                    + " (readable by you only)");
        }
        if (store.isPresent()) {
            explainTeamMode(env, dir, storeChanged ? store : Optional.empty());
        } else if (removeStore) {
            out.println("This home keeps its own store (" + dir.resolve(Store.FILE_NAME) + ") from the daemon's next"
                    + " start.");
        }
        out.println(CHECKLIST);
        if (!noPlugin) {
            installPlugin();
        }
        return 0;
    }

    /** What {@code --store-url} (or the answer to its question) says for "this machine's own store". */
    static final String NO_STORE = "none";

    /** The store URL the environment or config.json names now, if any. */
    private static Optional<String> configuredStoreUrl(Environment env, Path dir) {
        try {
            return StoreSettings.load(env, dir).url();
        } catch (IllegalArgumentException e) {
            // A password file others can read, say: the URL is still what is configured, and checkStore says the rest.
            return env.get(Environment.STORE_URL).or(() -> storeUrlInConfig(dir));
        }
    }

    private static Optional<String> storeUrlInConfig(Path dir) {
        try {
            JsonNode json = ServerJson.mapper().readTree(Files.readString(dir.resolve(LarkHandoffConfig.FILE_NAME)));
            JsonNode url = json.get("store_url");
            return url != null && url.isString() ? Optional.of(url.stringValue()) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The store given as an option or typed; null when neither (the current choice stays). */
    private String askStore(Console console, Optional<String> current) {
        if (storeUrl != null && !storeUrl.isBlank()) {
            return storeUrl.strip();
        }
        if (console == null) {
            return null;
        }
        String now = current.map(u -> "empty keeps " + shown(u) + ", " + NO_STORE + " for this machine only")
                .orElse("empty: this machine only");
        String answer = console.readLine(
                "Team mode: the PostgreSQL database your machines share, postgresql://user@host:5432/database"
                        + " (without the password; %s): ",
                now);
        return answer == null || answer.isBlank() ? null : answer.strip();
    }

    private String askStorePassword(Console console, StoreSettings settings, Path dir) {
        String who;
        try {
            who = settings.location(dir).toString();
        } catch (IllegalArgumentException e) {
            return null; // checkStore explains the URL
        }
        char[] typed = console.readPassword(
                "Password for %s (empty: none; kept in %s, readable by you only): ",
                who, dir.resolve(StoreSettings.PASSWORD_FILE));
        return typed == null || typed.length == 0 ? null : new String(typed);
    }

    /**
     * Checks the shared store live: the server answers, it is a primary, the store there is not newer than this
     * program, and the store opens, which creates or brings up to date its tables (so the user may create them).
     * Empty when all passed; else what failed, with its fix.
     */
    private Optional<Finding> checkStore(StoreSettings settings, Path dir) {
        StoreLocation.Postgres location;
        try {
            location = (StoreLocation.Postgres) settings.location(dir);
        } catch (IllegalArgumentException e) {
            return Optional.of(
                    Finding.error("shared_store", e.getMessage(), "write it as postgresql://user@host:5432/database"));
        }
        out.println("Checking the shared store " + location + " …");
        Clock clock = Clock.systemUTC();
        try {
            PostgresCheck.Server server = PostgresCheck.look(location, clock);
            out.println("✔ PostgreSQL " + server.serverVersion() + " answers at " + location.describe() + " as "
                    + location.user() + " (the primary)");
            try (Store store = Store.open(location, clock)) {
                out.println("✔ The shared store is ready (schema version " + store.schemaVersion() + ")"
                        + (server.schemaVersion() < store.schemaVersion()
                                ? ": this user may create its tables, and did"
                                : ""));
                List<String> alive =
                        store.team().alive().stream().map(DaemonRecord::machine).toList();
                if (!alive.isEmpty()) {
                    out.println("  daemons of the team running now: " + String.join(", ", alive));
                }
            }
            Finding skew = SharedStore.clockAgainst(server);
            if (skew.level() != Finding.Level.OK) {
                out.println("! " + skew.message());
                out.println("    fix: " + skew.fix());
            }
            return Optional.empty();
        } catch (StoreException e) {
            return Optional.of(SharedStore.explain(e, settings, location, dir));
        }
    }

    /** What happens next in team mode, and the home's own store it may still have. */
    private void explainTeamMode(Environment env, Path dir, Optional<String> written) {
        written.ifPresent(url -> {
            out.println("✔ store_url is " + shown(url) + "; the daemon uses the shared store from its next start."
                    + " Set the same store_url on every machine of this Lark app.");
            env.get(Environment.STORE_URL)
                    .filter(fromEnv -> !fromEnv.equals(url))
                    .ifPresent(fromEnv -> out.println("! " + Environment.STORE_URL + " is set here (" + shown(fromEnv)
                            + ") and wins over config.json's store_url"));
        });
        Path own = dir.resolve(Store.FILE_NAME);
        if (Files.isRegularFile(own)) {
            out.println("This home has a store of its own (" + own + "): copy its rows into the shared one with"
                    + " `lark-handoff store migrate` while its daemon is stopped.");
        }
    }

    /** The URL as it may be shown: its password, if any, masked. */
    private static String shown(String url) {
        return new StoreSettings(Optional.of(url), Optional.empty(), "none")
                .shownUrl()
                .orElse("");
    }

    /** The checks, in the order a person fixes them; empty when all passed. */
    private Optional<String> check() {
        try (LarkClient lark = LarkClient.create(LarkClientConfig.of(domain, appId, appSecret))) {
            BotInfo bot;
            try {
                bot = lark.bot().info().block(LARK_TIMEOUT);
            } catch (LarkException e) {
                return Optional.of(explainCredentials(e));
            } catch (IllegalStateException e) {
                return Optional.of("Lark did not answer at " + domain + " within " + LARK_TIMEOUT.toSeconds()
                        + " s; check the domain (feishu for Feishu in China, lark for Lark elsewhere) and the network");
            }
            out.println("✔ App credentials work; the bot is " + bot.appName());
            Optional<String> user;
            try {
                user = lark.contacts().openIdByEmail(email).block(LARK_TIMEOUT);
            } catch (LarkException e) {
                return Optional.of(
                        e.code() == 99991672 || e.code() == 99991679
                                ? "the app may not look users up by email: add the scope contact:user.id:readonly "
                                        + "(Permissions & Scopes), publish a new version, then run init again (Lark: "
                                        + e.getMessage() + ")"
                                : "looking up " + email + " failed: " + e.getMessage());
            }
            if (user == null || user.isEmpty()) {
                return Optional.of("no Lark user with the email " + email + " is visible to this app: check it is "
                        + "your Lark login email, that the app's availability (Version Management & Release) includes "
                        + "you, and that you are in the same tenant as the app");
            }
            out.println("✔ " + email + " is " + user.get());
            return Optional.empty();
        }
    }

    private String explainCredentials(LarkException e) {
        String msg = e.getMessage() == null ? "" : e.getMessage().toLowerCase(java.util.Locale.ROOT);
        if (e.code() == LarkException.TRANSPORT) {
            return "cannot reach Lark at " + domain + ": " + e.getMessage() + " (check the domain and the network)";
        }
        if (msg.contains("secret") || msg.contains("app_id") || e.code() == 10014 || e.code() == 10003) {
            return "Lark refused the App ID / App Secret: copy both again from the app's Credentials & Basic Info "
                    + "page (the secret changes when it is reset) (Lark: " + e.getMessage() + ")";
        }
        if (e.code() == 99991672 || msg.contains("bot")) {
            return "the app has no bot: enable the Bot capability (Add Features → Bot) and publish a new version "
                    + "(Lark: " + e.getMessage() + ")";
        }
        return "Lark refused the app: " + e.getMessage();
    }

    private String ask(Console console, String label, String given, String current, boolean secret) throws IOException {
        if (given != null && !given.isBlank()) {
            return given.strip();
        }
        if (console == null) {
            return current;
        }
        String shown = current == null ? "" : secret ? " [keep the current one]" : " [" + current + "]";
        String answer;
        if (secret) {
            char[] typed = console.readPassword("%s%s: ", label, shown);
            answer = typed == null ? null : new String(typed);
        } else {
            answer = console.readLine("%s%s: ", label, shown);
        }
        if (answer == null || answer.isBlank()) {
            return current;
        }
        return answer.strip();
    }

    /** Installs the plugin into Claude Code from the local marketplace, or says how. */
    private void installPlugin() {
        Optional<Path> marketplace = marketplace();
        String dir = marketplace.map(Path::toString).orElse("<lark-handoff>/plugin-manifest/target/plugin");
        List<String> add = List.of("claude", "plugin", "marketplace", "add", dir);
        List<String> install = List.of("claude", "plugin", "install", "lark-handoff@lark-handoff-local");
        if (marketplace.isPresent() && Executables.onPath("claude").isPresent()) {
            if (run(add) && run(install)) {
                out.println("✔ Installed the Claude Code plugin. Start Claude Code with:\n"
                        + "    claude --dangerously-load-development-channels plugin:lark-handoff@lark-handoff-local");
                return;
            }
        }
        out.println("To install the Claude Code plugin, run:\n    " + String.join(" ", add) + "\n    "
                + String.join(" ", install));
    }

    private Optional<Path> marketplace() {
        if (pluginDir != null) {
            return Optional.of(pluginDir.toAbsolutePath());
        }
        try {
            Path jar = Path.of(InitCommand.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            // In the plugin: <marketplace>/lark-handoff/lib/lark-handoff.jar; in the source tree: mcp-server/target.
            for (Path candidate : new Path[] {
                jar.getParent().getParent().getParent(),
                jar.getParent().getParent().getParent().resolve("plugin-manifest/target/plugin")
            }) {
                if (Files.isRegularFile(candidate.resolve(".claude-plugin/marketplace.json"))) {
                    return Optional.of(candidate);
                }
            }
        } catch (Exception e) {
            // not run from a jar on disk
        }
        return Optional.empty();
    }

    private static boolean run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).inheritIO().start();
            return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static final String CHECKLIST = """

            In the Lark / Feishu developer console, for this app:
              1. Add Features → Bot: enabled.
              2. Permissions & Scopes: im:message, im:message:send_as_bot, im:chat, im:resource,
                 im:message.reactions:write_only (or im:message.reactions), contact:user.id:readonly.
              3. Events & Callbacks → subscription mode: "Receive events through persistent connection".
                 Events: im.message.receive_v1, im.message.reaction.created_v1, im.chat.member.bot.added_v1.
                 Callbacks: card.action.trigger (also through the persistent connection).
              4. Version Management & Release: publish a version whose availability includes you.
            """;
}
