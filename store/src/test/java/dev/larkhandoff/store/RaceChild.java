package dev.larkhandoff.store;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;

/**
 * One of the processes {@link ConcurrencyAcrossProcessesTest} races against one PostgreSQL database: it opens the
 * store named by the environment variable {@value #URL_VARIABLE} (a URL with a password, kept off the command
 * line), registers its racers' sessions, prints {@code ready}, waits for {@code go} on stdin, runs
 * {@link Race#run} and prints the {@link Race.Summary} line by line, then {@code done}. Nothing else goes to stdout.
 *
 * <p>Usage: {@code RaceChild <session prefix> <seconds> <seed>}
 */
public final class RaceChild {

    static final String URL_VARIABLE = "LARK_RACE_STORE_URL";

    private RaceChild() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: RaceChild <session prefix> <seconds> <seed>");
            System.exit(2);
        }
        String prefix = args[0];
        Duration run = Duration.ofSeconds(Long.parseLong(args[1]));
        long seed = Long.parseLong(args[2]);
        try (Store store = Store.open(StoreLocation.parse(System.getenv(URL_VARIABLE)), Clock.systemUTC())) {
            Race.registerSessions(store, prefix);
            System.out.println("ready");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line = in.readLine();
            if (!"go".equals(line)) {
                System.err.println("RaceChild: expected go, got " + line);
                System.exit(3);
            }
            Race.Summary summary = Race.run(store, prefix, run, seed);
            for (String l : summary.lines()) {
                System.out.println(l);
            }
            System.out.println("done");
            System.out.flush();
        }
    }
}
