package dev.larkhandoff.store;

import dev.larkhandoff.testing.TestClock;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/**
 * A repository test on a store opened before each test and closed after it, once per backend: annotate the subclass
 * with {@link StoreBackends}.
 */
public abstract class OpenStoreTest {

    @Parameter(0)
    protected StoreBackend backend;

    @TempDir
    protected Path home;

    protected final TestClock clock = new TestClock();
    protected Store store;

    @BeforeEach
    void openStore() {
        store = backend.open(home, clock);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }
}
