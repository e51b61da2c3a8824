package dev.larkhandoff.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ChangeSignals} over PostgreSQL's {@code NOTIFY} / {@code LISTEN} on one channel. Each announcement's payload
 * is its origin (a random id per store opened, so a process does not wake itself) and the kind of change, as
 * {@code <origin>:<ROWS|ANY>}; a payload of another shape counts as {@link Change#ANY}. The listener holds a connection of its
 * own and reconnects with a capped back-off when it loses it.
 */
final class PostgresSignals implements ChangeSignals {

    private static final Logger log = LoggerFactory.getLogger(PostgresSignals.class);
    static final String CHANNEL = "lark_handoff_changes";
    /** How long one wait for notifications lasts, so that close is noticed. */
    private static final int POLL_MILLIS = 500;

    private static final long MAX_BACK_OFF_MILLIS = 5_000;

    private final PostgresDatabase db;
    private final String origin = UUID.randomUUID().toString();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object announcerLock = new Object();
    private Connection announcer;
    private volatile Thread listener;
    private volatile Connection listening;

    PostgresSignals(PostgresDatabase db) {
        this.db = db;
    }

    @Override
    public void announce(Change what) {
        if (closed.get()) {
            return;
        }
        synchronized (announcerLock) {
            for (int attempt = 0; attempt < 2; attempt++) {
                try {
                    if (announcer == null || announcer.isClosed()) {
                        announcer = db.dedicated();
                    }
                    try (PreparedStatement s = announcer.prepareStatement("SELECT pg_notify(?, ?)")) {
                        s.setString(1, CHANNEL);
                        s.setString(2, origin + ":" + what.name());
                        s.execute();
                    }
                    return;
                } catch (SQLException e) {
                    closeQuietly(announcer);
                    announcer = null;
                    if (attempt == 1) {
                        log.debug("could not announce a change to the other daemons: {}", e.getMessage());
                    }
                }
            }
        }
    }

    @Override
    public void listen(Consumer<Change> onChange) {
        Thread t = new Thread(() -> listenLoop(onChange), "store-signals");
        t.setDaemon(true);
        listener = t;
        t.start();
    }

    private void listenLoop(Consumer<Change> onChange) {
        long backOff = 100;
        boolean missed = false;
        while (!closed.get()) {
            Connection c = null;
            try {
                c = db.dedicated();
                listening = c;
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                if (missed) {
                    log.info("listening to the other daemons again");
                    onChange.accept(Change.ANY); // whatever was announced while we were away
                }
                backOff = 100;
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!closed.get()) {
                    PGNotification[] got = pg.getNotifications(POLL_MILLIS);
                    if (got == null) {
                        continue;
                    }
                    Change heard = null;
                    for (PGNotification n : got) {
                        String payload = n.getParameter();
                        if (payload.startsWith(origin + ":")) {
                            continue;
                        }
                        Change kind = payload.endsWith(":" + Change.ROWS.name()) ? Change.ROWS : Change.ANY;
                        heard = heard == null ? kind : heard.and(kind);
                    }
                    if (heard != null) {
                        onChange.accept(heard);
                    }
                }
            } catch (SQLException e) {
                if (!closed.get()) {
                    if (!missed) {
                        log.warn("lost the store's change signals ({}); retrying", e.getMessage());
                    }
                    missed = true;
                    sleep(backOff);
                    backOff = Math.min(MAX_BACK_OFF_MILLIS, backOff * 2);
                }
            } catch (RuntimeException e) {
                log.error("a change signal's handler failed", e);
                missed = true;
            } finally {
                closeQuietly(c);
                listening = null;
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing: nothing more to do
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeQuietly(listening);
        Thread t = listener;
        if (t != null) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (announcerLock) {
            closeQuietly(announcer);
            announcer = null;
        }
    }
}
