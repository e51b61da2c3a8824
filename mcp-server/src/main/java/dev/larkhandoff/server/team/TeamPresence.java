package dev.larkhandoff.server.team;

import dev.larkhandoff.store.team.DaemonRecord;
import dev.larkhandoff.store.team.TeamRepository;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This daemon's place in its team: it renews its lease in the store every {@link #BEAT} (a machine that sleeps or
 * dies drops out {@link #LEASE} after its last beat), reads who else is alive, shares Lark's per-app limit among the
 * alive daemons, and says when that set changed (sessions of a daemon that dropped out are offline from then on).
 * On one machine the team is this daemon alone.
 */
public final class TeamPresence implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TeamPresence.class);

    /** How often the lease is renewed. */
    public static final Duration BEAT = Duration.ofSeconds(2);
    /** How long a lease lasts: a few missed beats, so a busy moment is not a death. */
    public static final Duration LEASE = Duration.ofSeconds(10);

    /** Who this daemon is, as the other daemons and doctor see it. */
    public record Identity(String daemonId, String machine, String home, long pid, String version, long startedAt) {}

    private final TeamRepository team;
    private final Identity me;
    private final Supplier<String> larkConnection;
    private final IntConsumer shareLimit;
    private final Runnable aliveChanged;
    private final ScheduledExecutorService timer;
    private volatile Set<String> others = Set.of();
    private volatile List<DaemonRecord> alive = List.of();
    private volatile boolean failing;

    /**
     * @param larkConnection this daemon's Lark connection state, as the beat reports it
     * @param shareLimit     told how many alive daemons share the app's limit
     * @param aliveChanged   run (on the beat's thread) when another daemon joined or dropped out
     */
    public TeamPresence(
            TeamRepository team,
            Identity me,
            Supplier<String> larkConnection,
            IntConsumer shareLimit,
            Runnable aliveChanged) {
        this.team = team;
        this.me = me;
        this.larkConnection = larkConnection;
        this.shareLimit = shareLimit;
        this.aliveChanged = aliveChanged;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "team-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    /** The first beat now, on the caller's thread (so the daemon is known before it serves), then on a timer. */
    public void start() {
        beat();
        timer.scheduleWithFixedDelay(this::beat, BEAT.toMillis(), BEAT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Renews the lease and reads who is alive; a store that cannot be reached keeps the last known team. */
    void beat() {
        try {
            team.heartbeat(
                    me.daemonId(),
                    me.machine(),
                    me.home(),
                    me.pid(),
                    me.version(),
                    me.startedAt(),
                    LEASE,
                    larkConnection.get());
            List<DaemonRecord> now = team.alive();
            Set<String> ids = new LinkedHashSet<>();
            now.forEach(d -> {
                if (!d.daemonId().equals(me.daemonId())) {
                    ids.add(d.daemonId());
                }
            });
            alive = now;
            if (failing) {
                failing = false;
                log.info("the team's store answers the heartbeat again");
            }
            shareLimit.accept(ids.size() + 1);
            if (!ids.equals(others)) {
                Set<String> before = others;
                others = Set.copyOf(ids);
                log.info("the team is this daemon and {} other(s) (was {})", ids.size(), before.size());
                aliveChanged.run();
            }
        } catch (RuntimeException e) {
            if (!failing) {
                failing = true;
                log.warn("the heartbeat could not reach the team's store: {}", e.getMessage());
            }
        }
    }

    /** The ids of the other daemons alive at the last beat. */
    public Set<String> others() {
        return others;
    }

    /** Every daemon alive at the last beat, this one included. */
    public List<DaemonRecord> alive() {
        return alive;
    }

    public Identity identity() {
        return me;
    }

    /** Stops beating and leaves the team: the lease ends now and this daemon's sessions are offline at once. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            team.leave(me.daemonId());
        } catch (RuntimeException e) {
            log.warn("could not leave the team cleanly (the lease runs out by itself): {}", e.getMessage());
        }
    }
}
