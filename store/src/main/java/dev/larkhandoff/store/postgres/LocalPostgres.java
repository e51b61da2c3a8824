package dev.larkhandoff.store.postgres;

import dev.larkhandoff.store.StoreLocation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throwaway PostgreSQL server on this machine, made from the system's own server binaries (Debian's
 * {@code postgresql} package, say): {@code initdb} into a directory, started on a free loopback port with a
 * random password for its superuser, stopped and started again at will (the same data, the same port), stopped
 * (or killed) on {@link #close}. For tests and demonstrations only: it runs with {@code fsync} off, so a power cut
 * may take its data with it.
 *
 * <p>PostgreSQL refuses to run as root. Run as root, this class runs the server's programs as the unprivileged
 * {@code postgres} user (with {@code runuser}, or {@code setpriv}), gives it the directory, and lets it reach the
 * directory by adding search permission for others to each parent directory that lacks it.
 */
public final class LocalPostgres implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalPostgres.class);

    /** The superuser {@code initdb} creates; every database of the server is reachable as it. */
    public static final String SUPERUSER = "lark";

    /** The operating-system user the server runs as when this process is root. */
    public static final String SERVER_OS_USER = "postgres";

    private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");
    private static final List<String> PROGRAMS = List.of("initdb", "pg_ctl", "postgres");
    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Path directory;
    private final Path bin;
    private final Path data;
    private final Path serverLog;
    private final Path commandLog;
    private final List<String> runAs;
    private final String password;
    private final Thread shutdownHook;
    private int port;
    private volatile boolean running;
    private Connection admin;

    private LocalPostgres(Path directory, Path bin) {
        this(directory, bin, randomPassword());
    }

    private LocalPostgres(Path directory, Path bin, String password) {
        this.directory = directory.toAbsolutePath();
        this.bin = bin;
        this.data = this.directory.resolve("data");
        this.serverLog = this.directory.resolve("server.log");
        this.commandLog = this.directory.resolve("commands.log");
        this.runAs = runningAsRoot() ? runAsServerUser() : List.of();
        this.password = password;
        this.shutdownHook = new Thread(this::stopQuietly, "local-postgres-stop");
    }

    /**
     * Creates a server in {@code directory} (absent or empty) from the newest binaries found (see
     * {@link #findBinaries}) and starts it.
     */
    public static LocalPostgres start(Path directory) {
        return start(directory, findBinaries());
    }

    /** Creates a server in {@code directory} (absent or empty) from the binaries in {@code bin} and starts it. */
    public static LocalPostgres start(Path directory, Path bin) {
        for (String program : PROGRAMS) {
            if (!Files.isExecutable(bin.resolve(program))) {
                throw new IllegalStateException("no executable " + program + " in " + bin);
            }
        }
        LocalPostgres pg = new LocalPostgres(directory, bin);
        try {
            pg.initialise();
            Runtime.getRuntime().addShutdownHook(pg.shutdownHook);
            pg.startOnFreePort();
        } catch (RuntimeException e) {
            pg.close();
            throw e;
        }
        return pg;
    }

    /**
     * The directory of the newest PostgreSQL server binaries: the highest version under
     * {@code /usr/lib/postgresql/<version>/bin} (Debian, Ubuntu), else the first directory on {@code PATH} that
     * has {@code initdb}, {@code pg_ctl} and {@code postgres}.
     *
     * @throws IllegalStateException when there are none, saying how to install them
     */
    public static Path findBinaries() {
        if (Files.isDirectory(DEBIAN_ROOT)) {
            try (Stream<Path> versions = Files.list(DEBIAN_ROOT)) {
                Optional<Path> newest = versions.filter(
                                v -> v.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                        .map(v -> v.resolve("bin"))
                        .filter(LocalPostgres::hasServerPrograms)
                        .max(Comparator.comparingDouble(b ->
                                Double.parseDouble(b.getParent().getFileName().toString())));
                if (newest.isPresent()) {
                    return newest.get();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + DEBIAN_ROOT, e);
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isEmpty() && hasServerPrograms(Path.of(dir))) {
                    return Path.of(dir);
                }
            }
        }
        throw new IllegalStateException("no PostgreSQL server binaries (initdb, pg_ctl, postgres) in " + DEBIAN_ROOT
                + "/<version>/bin or on PATH; install them (Debian: apt-get install postgresql)");
    }

    private static boolean hasServerPrograms(Path dir) {
        return PROGRAMS.stream().allMatch(p -> Files.isExecutable(dir.resolve(p)));
    }

    /**
     * Starts a standby of this server in {@code directory} (absent or empty): a base backup of it that keeps
     * streaming its changes, in recovery, so it answers reads and refuses writes, on a port of its own. The same
     * superuser and password reach it. For tests of what lark-handoff does when pointed at a standby.
     */
    public LocalPostgres startStandby(Path directory) {
        LocalPostgres standby = new LocalPostgres(directory, bin, password);
        try {
            standby.initialiseStandbyOf(this);
            Runtime.getRuntime().addShutdownHook(standby.shutdownHook);
            standby.startOnFreePort();
        } catch (RuntimeException e) {
            standby.close();
            throw e;
        }
        return standby;
    }

    private void initialiseStandbyOf(LocalPostgres primary) {
        try {
            Files.createDirectories(directory);
            if (!runAs.isEmpty()) {
                giveToServerUser(directory);
                makeReachable(directory);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the PostgreSQL standby in " + directory, e);
        }
        // -R writes standby.signal and the primary's address: the copy starts in recovery and follows the primary.
        run(
                Duration.ofMinutes(2),
                List.of(
                        bin.resolve("pg_basebackup").toString(),
                        "-h",
                        "127.0.0.1",
                        "-p",
                        String.valueOf(primary.port),
                        "-U",
                        SUPERUSER,
                        "-D",
                        data.toString(),
                        "-R",
                        "-X",
                        "stream",
                        // An immediate checkpoint: the default spreads it over minutes.
                        "-c",
                        "fast",
                        "--no-sync"),
                Map.of("PGPASSWORD", password));
    }

    /** The loopback port the server listens on (the same after a {@link #restart}). */
    public int port() {
        return port;
    }

    /** Whether the server is up (started and not stopped since). */
    public boolean running() {
        return running;
    }

    /** Where the database {@code name} of this server is, reached as the superuser with its password. */
    public StoreLocation.Postgres location(String name) {
        return new StoreLocation.Postgres("127.0.0.1", port, name, SUPERUSER, password, Map.of());
    }

    /** Creates an empty database and says where it is. Names: lower-case letters, digits and underscores. */
    public StoreLocation.Postgres createDatabase(String name) {
        admin("CREATE DATABASE " + checkedName(name));
        return location(name);
    }

    /** Drops the database, ending any connection still open to it. */
    public void dropDatabase(String name) {
        admin("DROP DATABASE IF EXISTS " + checkedName(name) + " WITH (FORCE)");
    }

    /** Stops the server (fast shutdown: connections are ended, committed data kept). */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        closeAdmin();
        try {
            run(
                    Duration.ofSeconds(STOP_TIMEOUT.toSeconds() + 10),
                    pgCtl("stop", "-m", "fast", "-t", seconds(STOP_TIMEOUT)));
        } catch (RuntimeException e) {
            log.warn("pg_ctl stop failed, killing the server: {}", e.getMessage());
            kill();
        }
    }

    /** Starts the stopped server again, on its port, with its data. */
    public synchronized void restart() {
        if (running) {
            return;
        }
        startOn(port);
    }

    /** Stops the server, killing it if it does not stop in time. The directory is left to the caller. */
    @Override
    public void close() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down and runs the hook itself
        }
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException e) {
            log.warn("could not stop the PostgreSQL server in {}: {}", directory, e.getMessage());
        }
    }

    private void initialise() {
        try {
            Files.createDirectories(directory);
            try (Stream<Path> entries = Files.list(directory)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalStateException(
                            "the directory " + directory + " for a new PostgreSQL server" + " is not empty");
                }
            }
            Path pwfile = directory.resolve("pwfile");
            Files.writeString(pwfile, password + "\n", StandardCharsets.UTF_8);
            if (!runAs.isEmpty()) {
                giveToServerUser(directory);
                giveToServerUser(pwfile);
                makeReachable(directory);
            }
            try {
                run(
                        Duration.ofMinutes(2),
                        List.of(
                                bin.resolve("initdb").toString(),
                                "-D",
                                data.toString(),
                                "-U",
                                SUPERUSER,
                                "--pwfile=" + pwfile,
                                "--auth=scram-sha-256",
                                "--encoding=UTF8",
                                "--locale=C",
                                "--no-sync",
                                "--no-instructions"));
            } finally {
                Files.deleteIfExists(pwfile);
            }
            // A throwaway server: fast rather than durable, TCP on loopback only, no socket in a system directory.
            Files.writeString(
                    data.resolve("postgresql.conf"),
                    String.join(
                            "\n",
                            "",
                            "# lark-handoff LocalPostgres",
                            "listen_addresses = '127.0.0.1'",
                            "unix_socket_directories = ''",
                            "max_connections = 200",
                            "fsync = off",
                            "full_page_writes = off",
                            "synchronous_commit = on",
                            "shared_preload_libraries = 'pg_stat_statements'",
                            ""),
                    StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the PostgreSQL server in " + directory, e);
        }
    }

    private void startOnFreePort() {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                startOn(freePort());
                return;
            } catch (RuntimeException e) {
                // Another program may have taken the port between our look and the server's bind.
                last = e;
                if (!tail(serverLog).contains("could not bind")) {
                    throw e;
                }
            }
        }
        throw last;
    }

    private synchronized void startOn(int port) {
        this.port = port;
        run(
                START_TIMEOUT.plusSeconds(10),
                pgCtl("start", "-l", serverLog.toString(), "-t", seconds(START_TIMEOUT), "-o", "-p " + port));
        running = true;
        log.info("PostgreSQL server in {} listening on 127.0.0.1:{}", directory, port);
    }

    private List<String> pgCtl(String action, String... options) {
        List<String> command = new ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w"));
        command.addAll(List.of(options));
        command.add(action);
        return command;
    }

    private void kill() {
        try {
            List<String> lines = Files.readAllLines(data.resolve("postmaster.pid"));
            if (!lines.isEmpty()) {
                ProcessHandle.of(Long.parseLong(lines.get(0).strip())).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException | NumberFormatException e) {
            log.warn("cannot read the server's process id in {}: {}", data, e.getMessage());
        }
    }

    /** Runs one statement on the maintenance database, over a connection kept for the next one. */
    private synchronized void admin(String sql) {
        try {
            if (admin == null || !admin.isValid(5)) {
                closeAdmin();
                admin = DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + port + "/postgres", SUPERUSER, password);
            }
            try (Statement s = admin.createStatement()) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "PostgreSQL on 127.0.0.1:" + port + " refused " + sql + ": " + e.getMessage(), e);
        }
    }

    private synchronized void closeAdmin() {
        if (admin != null) {
            try {
                admin.close();
            } catch (SQLException e) {
                // it is being replaced or the server stopped: nothing to keep
            }
            admin = null;
        }
    }

    private static String checkedName(String name) {
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "a database name here is lower-case letters, digits and underscores, not " + name);
        }
        return name;
    }

    /** Runs one of the server's programs (as the server's user when we are root), failing with its output. */
    private void run(Duration timeout, List<String> command) {
        run(timeout, command, Map.of());
    }

    private void run(Duration timeout, List<String> command, Map<String, String> environment) {
        List<String> full = new ArrayList<>(runAs);
        full.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(full).directory(directory.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.environment().put("LC_ALL", "C");
        pb.environment().putAll(environment);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(commandLog.toFile()));
        try {
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(
                        String.join(" ", command) + " did not finish within " + timeout + failureDetail());
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(
                        String.join(" ", command) + " failed with exit status " + p.exitValue() + failureDetail());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
    }

    private String failureDetail() {
        return "\n--- " + commandLog + " (end) ---\n" + tail(commandLog) + "\n--- " + serverLog + " (end) ---\n"
                + tail(serverLog);
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(none)";
        }
    }

    private static String seconds(Duration d) {
        return String.valueOf(d.toSeconds());
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free loopback port", e);
        }
    }

    private static String randomPassword() {
        SecureRandom random = new SecureRandom();
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    private static boolean runningAsRoot() {
        try {
            // /proc/self belongs to the process's effective user.
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static List<String> runAsServerUser() {
        try {
            lookup().lookupPrincipalByName(SERVER_OS_USER);
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL refuses to run as root, and there is no '" + SERVER_OS_USER
                    + "' user to run it as (Debian's postgresql package creates one; or run as another user)");
        }
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, "runuser"))) {
                return List.of(dir + "/runuser", "-u", SERVER_OS_USER, "--");
            }
        }
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            if (Files.isExecutable(Path.of(dir, "setpriv"))) {
                return List.of(
                        dir + "/setpriv",
                        "--reuid=" + SERVER_OS_USER,
                        "--regid=" + SERVER_OS_USER,
                        "--init-groups",
                        "--");
            }
        }
        throw new IllegalStateException("PostgreSQL refuses to run as root, and neither runuser nor setpriv is"
                + " there to run it as '" + SERVER_OS_USER + "'");
    }

    private static UserPrincipalLookupService lookup() {
        return Path.of("/").getFileSystem().getUserPrincipalLookupService();
    }

    private static void giveToServerUser(Path path) throws IOException {
        UserPrincipal user = lookup().lookupPrincipalByName(SERVER_OS_USER);
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        view.setOwner(user);
        try {
            GroupPrincipal group = lookup().lookupPrincipalByGroupName(SERVER_OS_USER);
            view.setGroup(group);
        } catch (IOException e) {
            // no group of that name: the owner is what counts
        }
    }

    /** Adds search permission for others to each parent that lacks it, so the server's user can reach its files. */
    private static void makeReachable(Path directory) throws IOException {
        for (Path p = directory.getParent(); p != null; p = p.getParent()) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                perms.add(PosixFilePermission.OTHERS_EXECUTE);
                Files.setPosixFilePermissions(p, perms);
                log.info("made {} searchable by others, so that the PostgreSQL server's user reaches {}", p, directory);
            }
        }
    }

    @Override
    public String toString() {
        return "LocalPostgres[" + directory + ", 127.0.0.1:" + port + (running ? "" : ", stopped") + "]";
    }
}
