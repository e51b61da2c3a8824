package dev.larkhandoff.server.proxy;

/** Orders version strings like {@code 0.1.0}, {@code 0.2.0-SNAPSHOT}: numbers first, then a release above its pre-release. */
final class Versions {

    private Versions() {}

    static int compare(String a, String b) {
        String[] pa = a.split("-", 2);
        String[] pb = b.split("-", 2);
        String[] na = pa[0].split("\\.");
        String[] nb = pb[0].split("\\.");
        for (int i = 0; i < Math.max(na.length, nb.length); i++) {
            int c = Long.compare(number(na, i), number(nb, i));
            if (c != 0) {
                return c;
            }
        }
        boolean preA = pa.length > 1;
        boolean preB = pb.length > 1;
        if (preA != preB) {
            return preA ? -1 : 1;
        }
        return preA ? pa[1].compareTo(pb[1]) : 0;
    }

    private static long number(String[] parts, int i) {
        if (i >= parts.length) {
            return 0;
        }
        try {
            return Long.parseLong(parts[i].replaceAll("\\D.*", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
