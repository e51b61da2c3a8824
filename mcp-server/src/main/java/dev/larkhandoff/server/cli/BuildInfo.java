package dev.larkhandoff.server.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version this build carries (filtered in by Maven), which proxies and daemons compare in their hello. */
public final class BuildInfo {

    private static final String VERSION = load();

    private BuildInfo() {}

    public static String version() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("/dev/larkhandoff/server/build.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            String v = p.getProperty("version", "0.0.0-dev");
            return v.startsWith("${") ? "0.0.0-dev" : v;
        } catch (IOException e) {
            return "0.0.0-dev";
        }
    }
}
