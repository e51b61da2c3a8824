package dev.larkhandoff.server.daemon;

import dev.larkhandoff.server.config.LarkHandoffConfig;
import java.time.Clock;

/** How to run a daemon: its configuration (home, Lark app), clock, advertised version and HTTP port (0 = any). */
public record DaemonOptions(LarkHandoffConfig config, Clock clock, String version, int httpPort, boolean http) {

    public static DaemonOptions of(LarkHandoffConfig config, String version) {
        return new DaemonOptions(config, Clock.systemUTC(), version, 0, true);
    }

    public DaemonOptions withHttpPort(int port) {
        return new DaemonOptions(config, clock, version, port, http);
    }

    public DaemonOptions withoutHttp() {
        return new DaemonOptions(config, clock, version, httpPort, false);
    }
}
