package dev.larkhandoff.server.access;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.store.ChangeSignals;
import dev.larkhandoff.store.SettingsRepository;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;

/**
 * The access policy of a team, one row of the shared store ({@code settings}, key {@value #KEY}), the same JSON as
 * {@code access.json}: every daemon of the team reads it, so a sender let in (or paired) on one machine is let in on
 * all. The CLI edits it the same way it edits the file on one machine.
 *
 * <p>The row is kept in memory between reads, since every message is judged by it: it is read again when another
 * process of the team signals a change, at the latest {@link #MAX_AGE} after the last read (a signal may be lost, and
 * an edit by the CLI of another machine is seen that way), and at once after a write through this table.
 */
public final class AccessTable implements AccessSource {

    private static final Logger log = LoggerFactory.getLogger(AccessTable.class);
    static final String KEY = "access.policy";
    /** How long a read of the row serves without a signal from the team. */
    public static final Duration MAX_AGE = Duration.ofSeconds(2);

    private final SettingsRepository settings;
    private final String storeName;
    private final ChangeSignals signals;
    private final LongSupplier ticker;
    /** The row's value at the last read (null: no row), valid while {@link #fresh}. */
    private Optional<String> value;

    private long readAtNanos;
    private boolean fresh;

    /** @param storeName how messages name the shared store ({@code host:port/database}) */
    public AccessTable(SettingsRepository settings, String storeName) {
        this(settings, storeName, ChangeSignals.NONE);
    }

    /** @param signals tells the team's other daemons when this table wrote the policy, so they read it again at once */
    public AccessTable(SettingsRepository settings, String storeName, ChangeSignals signals) {
        this(settings, storeName, signals, System::nanoTime);
    }

    AccessTable(SettingsRepository settings, String storeName, ChangeSignals signals, LongSupplier ticker) {
        this.settings = settings;
        this.storeName = storeName;
        this.signals = signals;
        this.ticker = ticker;
    }

    /** Another process of the team may have changed the policy: the next judgement reads the row again. */
    public synchronized void changedElsewhere() {
        fresh = false;
    }

    @Override
    public synchronized AccessPolicy load() {
        long now = ticker.getAsLong();
        if (!fresh || now - readAtNanos >= MAX_AGE.toNanos()) {
            value = settings.get(KEY);
            readAtNanos = now;
            fresh = true;
        }
        Optional<String> json = value;
        if (json.isEmpty()) {
            return AccessPolicy.defaults();
        }
        try {
            AccessPolicy policy = ServerJson.mapper().readValue(json.get(), AccessPolicy.class);
            if (policy == null) {
                throw new AccessFile.Invalid(describe(), "the row holds no JSON object", null);
            }
            return policy;
        } catch (JacksonException e) {
            throw new AccessFile.Invalid(describe(), e.getOriginalMessage(), e);
        }
    }

    @Override
    public void save(AccessPolicy policy) {
        String json = ServerJson.mapper().writeValueAsString(policy);
        settings.put(KEY, json);
        synchronized (this) {
            // Read back on the next judgement: another process may have written after this one.
            fresh = false;
        }
        signals.announce(ChangeSignals.Change.ANY);
    }

    /**
     * A team's first daemon brings the rules it had on its own: when the shared store holds no policy yet and the
     * home has an {@code access.json}, that file becomes the team's policy (the file stays, unused from then on).
     *
     * @return whether the file was taken over
     */
    public boolean adoptIfEmpty(AccessFile file) {
        if (settings.get(KEY).isPresent() || !java.nio.file.Files.exists(file.path())) {
            return false;
        }
        AccessPolicy policy = file.load();
        save(policy);
        log.info("the team's access policy is now {} (the shared store had none)", file.path());
        return true;
    }

    @Override
    public String describe() {
        return "the access policy in the shared store " + storeName;
    }
}
