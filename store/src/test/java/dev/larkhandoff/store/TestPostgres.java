package dev.larkhandoff.store;

import dev.larkhandoff.store.postgres.LocalPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The test JVM's one real PostgreSQL server, a {@link LocalPostgres} started from the system's binaries when a test
 * first needs it and stopped when the test run ends; each store home a test opens gets a database of its own,
 * created empty on first use and dropped after the test. Registered by {@link StoreBackends}, or by
 * {@code @ExtendWith(TestPostgres.class)} on a test that uses PostgreSQL alone.
 */
public final class TestPostgres implements BeforeAllCallback, AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(TestPostgres.class);

    private static LocalPostgres server;
    private static Path directory;
    private static int databases;
    private static final Map<Path, StoreLocation.Postgres> BY_HOME = new HashMap<>();
    private static final List<String> CREATED = new ArrayList<>();

    /** The server, started if it is not running yet. */
    public static synchronized LocalPostgres server() {
        if (server == null) {
            try {
                // Under the system's temporary directory, which every user may search: when the tests run as
                // root, the server runs as the postgres user and must reach it.
                directory = Files.createTempDirectory("lark-handoff-postgres-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server = LocalPostgres.start(directory.resolve("server"));
        }
        return server;
    }

    /** The database of this store home: the same one each time the test opens the home, a new one per home. */
    public static synchronized StoreLocation.Postgres database(Path home) {
        return BY_HOME.computeIfAbsent(home.toAbsolutePath(), h -> newDatabase());
    }

    /** A new, empty database, dropped after the test. */
    public static synchronized StoreLocation.Postgres newDatabase() {
        String name = "t" + ++databases;
        StoreLocation.Postgres location = server().createDatabase(name);
        CREATED.add(name);
        return location;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // Stopped once, when the whole run ends (the root context closes its store then).
        context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Shutdown.class, k -> new Shutdown(), Shutdown.class);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        dropCreated();
    }

    private static synchronized void dropCreated() {
        for (String name : CREATED) {
            if (server != null && server.running()) {
                server.dropDatabase(name);
            }
        }
        CREATED.clear();
        BY_HOME.clear();
    }

    private static synchronized void shutdown() {
        if (server == null) {
            return;
        }
        server.close();
        server = null;
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("TestPostgres: could not delete " + directory + ": " + e);
        }
    }

    /** Stops the server when the test run's root context closes (JUnit closes the AutoCloseable values it holds). */
    private static final class Shutdown implements AutoCloseable {
        @Override
        public void close() {
            shutdown();
        }
    }
}
