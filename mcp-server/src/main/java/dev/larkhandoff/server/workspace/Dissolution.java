package dev.larkhandoff.server.workspace;

import java.util.List;

/** What a sweep of several groups dissolved and what it could not (one failure does not stop the others). */
public record Dissolution(List<DissolvedGroup> dissolved, List<DissolveFailure> failures) {

    public Dissolution {
        dissolved = List.copyOf(dissolved);
        failures = List.copyOf(failures);
    }
}
