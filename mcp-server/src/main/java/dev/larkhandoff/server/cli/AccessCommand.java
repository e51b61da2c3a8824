package dev.larkhandoff.server.cli;

import dev.larkhandoff.server.access.AccessFile;
import dev.larkhandoff.server.access.AccessGate;
import dev.larkhandoff.server.access.AccessPolicy;
import dev.larkhandoff.server.access.AccessSource;
import dev.larkhandoff.server.access.AccessTable;
import dev.larkhandoff.server.config.StoreSettings;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.StoreException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code lark-handoff access}: who may reach the agents (pairing approvals and the allowlist in access.json). */
@Command(
        name = "access",
        description = "Manage who may reach your agents through Lark.",
        subcommands = {AccessCommand.Pair.class, AccessCommand.Allow.class, AccessCommand.Show.class})
final class AccessCommand {

    /** Approves a pairing code a sender received. */
    @Command(name = "pair", description = "Approve the pairing code a Lark user (or group) was sent.")
    static final class Pair implements Callable<Integer> {
        @Mixin
        HomeOption home;

        @Parameters(index = "0", description = "The pairing code.")
        String code;

        @Override
        public Integer call() {
            return withSource(home, this::pair);
        }

        private int pair(AccessSource file) {
            AccessPolicy current;
            try {
                current = file.load();
            } catch (AccessFile.Invalid e) {
                return invalid(e);
            }
            AccessPolicy approved = AccessGate.approve(current, code.trim(), System.currentTimeMillis());
            if (approved == null) {
                System.err.println("unknown or expired pairing code: " + code
                        + " (codes last one hour; ask the sender to write to the bot again for a new one)");
                return 1;
            }
            file.save(approved);
            var who = current.pending().get(code.trim());
            System.out.println(
                    who.kind() == AccessPolicy.PendingPairing.Kind.DM
                            ? "approved dm " + who.senderId()
                            : "approved group " + who.chatId() + ": every member who @-mentions the bot gets in (its "
                                    + "allowFrom is [\"*\"]; list open_ids there instead to narrow it)");
            return 0;
        }
    }

    /** Adds open_ids to the allowlist directly. */
    @Command(name = "allow", description = "Allow Lark users (open_id ou_…) to reach your agents.")
    static final class Allow implements Callable<Integer> {
        @Mixin
        HomeOption home;

        @Parameters(arity = "1..*", description = "open_ids to allow.")
        List<String> openIds;

        @Override
        public Integer call() {
            return withSource(home, this::allow);
        }

        private int allow(AccessSource file) {
            AccessPolicy policy;
            try {
                policy = file.load();
            } catch (AccessFile.Invalid e) {
                return invalid(e);
            }
            List<String> allow = new ArrayList<>(policy.allowFrom());
            for (String id : openIds) {
                if (!id.startsWith("ou_")) {
                    System.err.println("not an open_id (expected ou_…): " + id);
                    return 2;
                }
                if (!allow.contains(id)) {
                    allow.add(id);
                }
            }
            file.save(policy.withAllowFrom(allow));
            System.out.println("allowlist: " + String.join(", ", allow));
            return 0;
        }
    }

    /** Prints the access policy. */
    @Command(name = "show", description = "Print the access policy (access.json).")
    static final class Show implements Callable<Integer> {
        @Mixin
        HomeOption home;

        @Override
        public Integer call() {
            return withSource(home, this::show);
        }

        private int show(AccessSource source) {
            AccessPolicy p;
            try {
                p = source.load();
            } catch (AccessFile.Invalid e) {
                return invalid(e);
            }
            System.out.println("dm policy: " + p.dmPolicy().name().toLowerCase() + ", group policy: "
                    + p.groupPolicy().name().toLowerCase() + "\nallowlist: " + String.join(", ", p.allowFrom())
                    + "\ngroups: " + p.groups().keySet() + "\npending pairings: "
                    + p.pending().size());
            return 0;
        }
    }

    /**
     * Runs {@code work} on the policy this home's daemon judges by: {@code access.json}, or in a team the one policy
     * in the shared store (seeded from this home's file when the store has none yet).
     */
    private static int withSource(HomeOption home, Function<AccessSource, Integer> work) {
        Path dir = home.config().home();
        StoreSettings settings;
        try {
            settings = StoreSettings.load(home.environment(), dir);
        } catch (IllegalArgumentException e) {
            System.err.println("cannot use the configured store: " + e.getMessage());
            return 2;
        }
        if (!settings.isShared()) {
            return work.apply(new AccessFile(dir));
        }
        try (Store store = Store.open(settings.location(dir), Clock.systemUTC())) {
            AccessTable table =
                    new AccessTable(store.settings(), store.location().describe(), store.signals());
            table.adoptIfEmpty(new AccessFile(dir));
            return work.apply(table);
        } catch (StoreException e) {
            System.err.println("cannot reach the team's store: " + e.getMessage());
            return 1;
        }
    }

    /** Nothing is written over a broken file: its owner's edit would be lost. */
    private static int invalid(AccessFile.Invalid e) {
        System.err.println(e.getMessage());
        System.err.println("fix it (or move it away to start from the defaults), then run this again");
        return 1;
    }
}
