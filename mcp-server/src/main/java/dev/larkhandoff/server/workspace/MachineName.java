package dev.larkhandoff.server.workspace;

import java.io.IOException;
import java.net.InetAddress;

/** This computer's short name, as handoff group names and their workspace descriptions show it. */
public final class MachineName {

    private MachineName() {}

    /** The host name up to its first dot; {@code localhost} when the name cannot be read. */
    public static String local() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            int dot = name.indexOf('.');
            return dot > 0 ? name.substring(0, dot) : name;
        } catch (IOException e) {
            return "localhost";
        }
    }
}
