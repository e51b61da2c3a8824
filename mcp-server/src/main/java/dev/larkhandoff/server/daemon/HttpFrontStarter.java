package dev.larkhandoff.server.daemon;

import dev.larkhandoff.server.http.HttpFront;
import dev.larkhandoff.server.http.HttpToken;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the daemon's HTTP MCP front on loopback and records where it listens in {@code <home>/http.json}. Without
 * an explicit {@code --http-port} it comes back on the port the home used last, so a remote client's configured URL
 * keeps working across restarts; when someone else holds that port now, it takes a new one and says so.
 */
final class HttpFrontStarter {

    private static final Logger log = LoggerFactory.getLogger(HttpFrontStarter.class);

    private HttpFrontStarter() {}

    static HttpFront start(Daemon daemon) throws IOException {
        DaemonOptions o = daemon.options();
        Path home = o.config().home();
        OptionalInt recorded = HttpEndpointFile.recordedPort(home);
        HttpFront front;
        if (o.httpPort() == 0 && recorded.isPresent()) {
            try {
                front = start(daemon, recorded.getAsInt());
            } catch (IOException e) {
                if (!(rootCause(e) instanceof BindException)) {
                    throw e;
                }
                front = start(daemon, 0);
                log.warn(
                        "port {} of this home's HTTP front is taken by another process; now on port {} (clients "
                                + "configured with the old URL must change it, and should not trust that port)",
                        recorded.getAsInt(),
                        front.port());
            }
        } else {
            front = start(daemon, o.httpPort());
        }
        HttpEndpointFile.write(home, front.url(), front.port(), front.socket());
        HttpEndpointFile.writeCurlConfig(home, HttpToken.loadOrCreate(home).value());
        return front;
    }

    private static HttpFront start(Daemon daemon, int port) throws IOException {
        DaemonOptions o = daemon.options();
        return HttpFront.start(
                o.config().home(),
                port,
                daemon.tools(),
                daemon.registry(),
                daemon::sessionRegistered,
                o.version(),
                daemon::hook);
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
