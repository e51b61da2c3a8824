package dev.larkhandoff.server.daemon;

import dev.larkhandoff.server.http.HttpFront;
import dev.larkhandoff.server.http.HttpToken;
import java.io.IOException;

/** Starts the daemon's HTTP MCP front on loopback and records where it listens in {@code <home>/http.json}. */
final class HttpFrontStarter {

    private HttpFrontStarter() {
    }

    static HttpFront start(Daemon daemon) throws IOException {
        DaemonOptions o = daemon.options();
        HttpFront front = HttpFront.start(o.config().home(), o.httpPort(), daemon.tools(), daemon.registry(),
                daemon::sessionRegistered, o.version(), daemon::hook);
        HttpEndpointFile.write(o.config().home(), front.url());
        HttpEndpointFile.writeCurlConfig(o.config().home(), HttpToken.loadOrCreate(o.config().home()).value());
        return front;
    }
}
