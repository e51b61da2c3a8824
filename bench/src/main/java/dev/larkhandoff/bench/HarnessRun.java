package dev.larkhandoff.bench;

import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a harness that starts processes runs from its {@code main}: its section written when it succeeds, the logs
 * printed when it fails, and every process it started ended either way: at the end, from a shutdown hook when the
 * JVM is stopped, and from a watchdog when the run outlasts its time limit.
 */
final class HarnessRun {

    private static final Logger log = LoggerFactory.getLogger(HarnessRun.class);

    private HarnessRun() {}

    /**
     * Runs {@code measure}, which returns the section's body, and writes it as section {@code section} of
     * {@code results} under {@code title}; {@code cleanUp} ends what the harness started (safe to call more than
     * once, from any thread). Exits the JVM: 0 on success, 1 on failure, 3 when the watchdog gave up.
     */
    static void run(
            String harness,
            ResultsFile results,
            String section,
            String title,
            Duration limit,
            Runnable cleanUp,
            Runnable printLogs,
            Callable<String> measure) {
        Runtime.getRuntime().addShutdownHook(new Thread(cleanUp, harness + "-cleanup"));
        Thread watchdog = new Thread(
                () -> {
                    try {
                        Thread.sleep(limit.toMillis());
                        log.error(
                                "{}: still running after {} s; giving up and ending every process it started",
                                harness,
                                limit.toSeconds());
                        cleanUp.run();
                        Runtime.getRuntime().halt(3);
                    } catch (InterruptedException e) {
                        // finished in time
                    }
                },
                harness + "-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        int status = 0;
        try {
            results.writeSection(section, title, measure.call());
        } catch (Throwable e) {
            log.error("{} failed", harness, e);
            printLogs.run();
            status = 1;
        } finally {
            cleanUp.run();
            watchdog.interrupt();
        }
        System.exit(status);
    }
}
