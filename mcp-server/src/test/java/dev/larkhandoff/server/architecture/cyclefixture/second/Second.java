package dev.larkhandoff.server.architecture.cyclefixture.second;

import dev.larkhandoff.server.architecture.cyclefixture.first.First;

/** The other half of the package cycle made on purpose. */
public final class Second {

    public First back() {
        return new First();
    }
}
