package dev.larkhandoff.server.daemon;

import dev.larkhandoff.server.config.LarkHandoffConfig;
import dev.larkhandoff.server.config.StoreSettings;
import dev.larkhandoff.server.workspace.MachineName;
import java.time.Clock;
import java.time.Duration;

/**
 * How to run a daemon: its configuration (home, Lark app), clock, advertised version, HTTP port (0 = any), how
 * long a permission request waits in Lark for an answer before it is denied, the machine's name as handoff group
 * names carry it, and where the store is (the home's SQLite file, or a PostgreSQL database the team shares).
 */
public record DaemonOptions(
        LarkHandoffConfig config,
        Clock clock,
        String version,
        int httpPort,
        boolean http,
        Duration permissionTimeout,
        String machine,
        StoreSettings store) {

    /** Long enough to walk back to a phone, short enough that a forgotten prompt does not hold a session for hours. */
    public static final Duration DEFAULT_PERMISSION_TIMEOUT = Duration.ofMinutes(15);

    public static DaemonOptions of(LarkHandoffConfig config, String version) {
        return new DaemonOptions(
                config,
                Clock.systemUTC(),
                version,
                0,
                true,
                DEFAULT_PERMISSION_TIMEOUT,
                MachineName.local(),
                StoreSettings.local());
    }

    public DaemonOptions withHttpPort(int port) {
        return new DaemonOptions(config, clock, version, port, http, permissionTimeout, machine, store);
    }

    public DaemonOptions withoutHttp() {
        return new DaemonOptions(config, clock, version, httpPort, false, permissionTimeout, machine, store);
    }

    public DaemonOptions withPermissionTimeout(Duration timeout) {
        return new DaemonOptions(config, clock, version, httpPort, http, timeout, machine, store);
    }

    /** The same options on a machine of this name (a second home on one computer playing another machine). */
    public DaemonOptions withMachine(String name) {
        return new DaemonOptions(config, clock, version, httpPort, http, permissionTimeout, name, store);
    }

    /** The same options with the store here (a team's shared PostgreSQL database, or the home's file). */
    public DaemonOptions withStore(StoreSettings settings) {
        return new DaemonOptions(config, clock, version, httpPort, http, permissionTimeout, machine, settings);
    }
}
