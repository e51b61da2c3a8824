package dev.larkhandoff.server.access;

/**
 * Where the access policy is kept: the home's {@code access.json} on one machine ({@link AccessFile}), or one row of
 * the team's shared store, so every daemon of a team judges by the same rules ({@link AccessTable}).
 */
public interface AccessSource {

    /**
     * The policy; the defaults when none was written yet.
     *
     * @throws AccessFile.Invalid when what is kept cannot be read as a policy (it is left as it is)
     */
    AccessPolicy load();

    /** Replaces the policy. */
    void save(AccessPolicy policy);

    /** How messages name it: the file's path, or the shared store. */
    String describe();
}
