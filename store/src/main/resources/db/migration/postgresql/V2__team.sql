-- lark-handoff store, schema version 2: the daemons of a team.
-- In team mode several daemons (one per machine) share this store.

-- Every daemon that served this store. A daemon is alive while lease_until (ms since the epoch) is in the future;
-- it renews the lease every few seconds, and a machine that sleeps or dies drops out when the lease runs out.
CREATE TABLE daemons (
    daemon_id        TEXT    PRIMARY KEY,
    machine          TEXT    NOT NULL,
    home             TEXT    NOT NULL,
    pid              BIGINT  NOT NULL,
    version          TEXT    NOT NULL,
    started_at       BIGINT  NOT NULL,
    heartbeat_at     BIGINT  NOT NULL,
    lease_until      BIGINT  NOT NULL,
    lark_connection  TEXT    NOT NULL DEFAULT 'down'
);

-- The daemon a session is connected to (its stdio proxy's socket or its HTTP session).
ALTER TABLE sessions ADD COLUMN daemon_id TEXT;
