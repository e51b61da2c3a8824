package dev.larkhandoff.server.cli;

import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.config.StoreSettings;
import dev.larkhandoff.server.daemon.DaemonLock;
import dev.larkhandoff.server.doctor.Finding;
import dev.larkhandoff.server.doctor.SharedStore;
import dev.larkhandoff.server.ipc.DaemonClient;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.StoreCopy;
import dev.larkhandoff.store.StoreException;
import dev.larkhandoff.store.StoreLocation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lark-handoff store}: the home's store, and moving it into a team's shared database. */
@Command(
        name = "store",
        description = "The home's store: move it into the PostgreSQL database a team shares.",
        subcommands = StoreCommand.Migrate.class)
final class StoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine()
                .getErr()
                .println("lark-handoff store: say what to do: `lark-handoff store migrate --to postgresql://…`");
        return 2;
    }

    /**
     * Copies the home's SQLite store into the team's PostgreSQL database ({@link StoreCopy}): nothing there is
     * overwritten, a second run changes nothing, and the SQLite file is left as it was. Refused while the home's
     * daemon runs: it holds the file, and would go on writing to it during the copy.
     */
    @Command(
            name = "migrate",
            description = "Copy this home's own store (<home>/lark-handoff.db) into the team's PostgreSQL database,"
                    + " leaving every row already there as it is. Run it with the home's daemon stopped; running it"
                    + " again changes nothing.")
    static final class Migrate implements Callable<Integer> {

        @Mixin
        HomeOption home;

        @Spec
        CommandSpec spec;

        @Option(
                names = "--to",
                paramLabel = "<postgresql url>",
                description = "The team's database: postgresql://user@host:5432/database or"
                        + " jdbc:postgresql://host:5432/database?user=… (default: the configured store_url). The"
                        + " password: in the URL, in LARK_HANDOFF_STORE_PASSWORD, or in <home>/store-password.")
        String to;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Environment env = home.environment();
            Path dir = LarkHandoffConfig.homeOf(env);
            Path file = dir.resolve(Store.FILE_NAME);
            if (!Files.isRegularFile(file)) {
                err.println("store migrate: there is no store of this home at " + file + ": nothing to copy");
                return 1;
            }
            StoreSettings settings;
            StoreLocation.Postgres target;
            try {
                settings = to != null ? StoreSettings.forUrl(to, env, dir) : StoreSettings.load(env, dir);
                if (!settings.isShared()) {
                    err.println("store migrate: say where to: --to postgresql://user@host:5432/database (or set"
                            + " store_url first with `lark-handoff init --store-url …`)");
                    return 2;
                }
                target = (StoreLocation.Postgres) settings.location(dir);
            } catch (IllegalArgumentException e) {
                err.println("store migrate: " + e.getMessage());
                return 2;
            }
            String running = runningDaemon(dir);
            if (running != null) {
                err.println("store migrate: " + running + ", which holds " + file + " and writes to it. Stop it"
                        + " first: end the agent sessions that use this home (each would start it again), then"
                        + " stop the daemon (kill its pid: it shuts down cleanly on SIGTERM), and run `lark-handoff"
                        + " store migrate` again.");
                return 1;
            }
            try (HomeLock lock = HomeLock.take(dir)) {
                if (lock == null) {
                    err.println("store migrate: a daemon is starting for " + dir + " (or another migrate runs);"
                            + " end the agent sessions that use this home, wait for it to finish, and run this again");
                    return 1;
                }
                return copy(out, err, file, target, settings, dir, pointsAt(env, dir, target));
            } catch (IOException e) {
                err.println("store migrate: cannot lock " + dir.resolve(DaemonLock.FILE_NAME) + ": " + e.getMessage());
                return 1;
            }
        }

        private int copy(
                PrintWriter out,
                PrintWriter err,
                Path file,
                StoreLocation.Postgres target,
                StoreSettings settings,
                Path dir,
                boolean configured) {
            Clock clock = Clock.systemUTC();
            StoreCopy.Report report;
            try (Store from = Store.openFile(file, clock)) {
                try (Store into = Store.open(target, clock)) {
                    out.println("Copying " + file + " into " + target + " …");
                    report = StoreCopy.copy(from, into);
                } catch (StoreException e) {
                    Finding why = SharedStore.explain(e, settings, target, dir);
                    err.println("store migrate: " + why.message());
                    err.println("    fix: " + why.fix());
                    return 1;
                }
            } catch (StoreException e) {
                err.println("store migrate: cannot open " + file + ": " + e.getMessage());
                return 1;
            }
            print(out, report, configured);
            return 0;
        }

        /** Whether the home's configured store already is {@code target}. */
        private static boolean pointsAt(Environment env, Path dir, StoreLocation.Postgres target) {
            try {
                return StoreSettings.load(env, dir).location(dir) instanceof StoreLocation.Postgres pg
                        && pg.describe().equals(target.describe())
                        && pg.user().equals(target.user());
            } catch (IllegalArgumentException e) {
                return false;
            }
        }

        private static void print(PrintWriter out, StoreCopy.Report report, boolean configured) {
            out.println(String.format(
                    Locale.ROOT, "  %-20s %7s %14s %12s", "table", "copied", "already there", "conflicting"));
            for (StoreCopy.TableCopy t : report.tables()) {
                out.println(String.format(
                        Locale.ROOT,
                        "  %-20s %7d %14d %12d",
                        t.table(),
                        t.copied(),
                        t.alreadyThere(),
                        t.conflicting()));
            }
            if (report.conflicting() > 0) {
                out.println("Rows that differ, left as the database has them (the team may rely on them):");
                for (StoreCopy.TableCopy t : report.tables()) {
                    t.conflicts().forEach(c -> out.println("  " + c));
                    int unnamed = t.conflicting() - t.conflicts().size();
                    if (unnamed > 0) {
                        out.println("  … and " + unnamed + " more in " + t.table());
                    }
                }
            }
            if (report.changedNothing()) {
                out.println("Nothing changed: every row of " + report.from() + " was already in " + report.to()
                        + (report.conflicting() > 0 ? " or conflicts with a row there" : "") + ".");
                return;
            }
            out.println("Copied " + report.copied() + " row(s) into " + report.to() + "; " + report.alreadyThere()
                    + " already there, " + report.conflicting() + " conflicting. " + report.from()
                    + " is left as it was.");
            out.println(
                    configured
                            ? "Next: start a session: this home's daemon joins the team on the database."
                            : "Next: point this home at the database (`lark-handoff init --store-url …`, or store_url"
                                    + " in config.json), then start a session: its daemon joins the team.");
        }

        /** The home's running daemon in words, or null when none answers on its socket. */
        private static String runningDaemon(Path dir) {
            try (DaemonClient client = DaemonClient.probe(dir, Duration.ofSeconds(3))) {
                var hello = client.daemonHello();
                return "the daemon of " + dir + " is running (pid " + hello.pid() + ", version " + hello.version()
                        + ")";
            } catch (IOException e) {
                return null;
            }
        }
    }

    /**
     * The home's daemon lock ({@code <home>/daemon.lock}), held while the copy runs so that no daemon starts on
     * the file meanwhile (one that tries finds the home taken and exits). The socket is not bound: nothing here
     * answers agent sessions.
     */
    private record HomeLock(FileChannel channel, FileLock lock) implements AutoCloseable {

        /** The lock, or null when a daemon (or another copy) holds it. */
        static HomeLock take(Path dir) throws IOException {
            FileChannel channel = FileChannel.open(
                    dir.resolve(DaemonLock.FILE_NAME), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                return null;
            }
            return new HomeLock(channel, lock);
        }

        @Override
        public void close() throws IOException {
            lock.release();
            channel.close();
        }
    }
}
