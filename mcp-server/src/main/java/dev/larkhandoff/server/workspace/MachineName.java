package dev.larkhandoff.server.workspace;

import dev.larkhandoff.server.config.Environment;
import java.io.IOException;
import java.net.InetAddress;

/** This computer's short name, as handoff group names and their workspace descriptions show it. */
public final class MachineName {

    private MachineName() {}

    /** The name {@code LARK_HANDOFF_MACHINE} gives, else {@link #local()}. */
    public static String of(Environment env) {
        return env.get(Environment.MACHINE).orElseGet(MachineName::local);
    }

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
