package dev.larkhandoff.server.architecture.cyclefixture.first;

import dev.larkhandoff.server.architecture.cyclefixture.second.Second;

/** Half of a package cycle made on purpose, to show the cycle rule catches one. */
public final class First {

    public Second next() {
        return new Second();
    }
}
