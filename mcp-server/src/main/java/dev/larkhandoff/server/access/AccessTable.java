package dev.larkhandoff.server.access;

import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.store.SettingsRepository;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;

/**
 * The access policy of a team, one row of the shared store ({@code settings}, key {@value #KEY}), the same JSON as
 * {@code access.json}: every daemon of the team reads it, so a sender let in (or paired) on one machine is let in on
 * all. The CLI edits it the same way it edits the file on one machine.
 */
public final class AccessTable implements AccessSource {

    private static final Logger log = LoggerFactory.getLogger(AccessTable.class);
    static final String KEY = "access.policy";

    private final SettingsRepository settings;
    private final String storeName;

    /** @param storeName how messages name the shared store ({@code host:port/database}) */
    public AccessTable(SettingsRepository settings, String storeName) {
        this.settings = settings;
        this.storeName = storeName;
    }

    @Override
    public AccessPolicy load() {
        Optional<String> json = settings.get(KEY);
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
        settings.put(KEY, ServerJson.mapper().writeValueAsString(policy));
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
