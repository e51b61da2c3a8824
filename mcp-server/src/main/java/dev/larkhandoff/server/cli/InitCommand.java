package dev.larkhandoff.server.cli;

import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.lark.LarkClientConfig;
import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.contact.BotInfo;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import java.io.Console;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lark-handoff init}: the one setup step. Asks (in a terminal) or takes as flags the Lark domain, the app's
 * id and secret and the operator's login email; checks each live against Lark (a token, the bot, the user by
 * email) and explains what to fix when one fails; writes {@code config.json} (0600) only when all passed; prints
 * the Lark console checklist; installs the Claude Code plugin when {@code claude} is on the PATH.
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

    @Option(names = "--no-plugin", description = "Do not install the Claude Code plugin.")
    boolean noPlugin;

    @Option(
            names = "--plugin-dir",
            description = "The plugin marketplace to install from (default: the one beside "
                    + "this jar, or the build's plugin-manifest/target/plugin).")
    Path pluginDir;

    @Override
    public Integer call() throws Exception {
        LarkHandoffConfig existing = home.config();
        Console console = System.console();
        domain = ask(console, "Lark domain (feishu, lark or a URL)", domain, existing.domain(), false);
        appId = ask(console, "App ID", appId, existing.appId(), false);
        appSecret = ask(console, "App Secret", appSecret, existing.appSecret(), true);
        email = ask(console, "Your Lark login email", email, existing.operatorEmail(), false);
        if (domain == null || appId == null || appSecret == null || email == null) {
            System.err.println(
                    "init: missing " + (domain == null ? "--domain " : "") + (appId == null ? "--app-id " : "")
                            + (appSecret == null ? "--app-secret " : "") + (email == null ? "--email" : "")
                            + " (no terminal to ask; pass them as options)");
            return 2;
        }
        System.out.println("Checking with Lark …");
        Optional<String> problem = check();
        if (problem.isPresent()) {
            System.err.println("✘ " + problem.get());
            System.err.println("Nothing was written; fix that and run `lark-handoff init` again.");
            return 1;
        }
        new LarkHandoffConfig(existing.home(), appId, appSecret, domain, email).save();
        System.out.println(
                "✔ Wrote " + existing.home().resolve(LarkHandoffConfig.FILE_NAME) + " (readable by you only)");
        System.out.println(CHECKLIST);
        if (!noPlugin) {
            installPlugin();
        }
        return 0;
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
            System.out.println("✔ App credentials work; the bot is " + bot.appName());
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
            System.out.println("✔ " + email + " is " + user.get());
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
                System.out.println("✔ Installed the Claude Code plugin. Start Claude Code with:\n"
                        + "    claude --dangerously-load-development-channels plugin:lark-handoff@lark-handoff-local");
                return;
            }
        }
        System.out.println("To install the Claude Code plugin, run:\n    " + String.join(" ", add) + "\n    "
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
