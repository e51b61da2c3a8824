-- lark-handoff store, schema version 2: the daemons of a team.
-- In team mode several daemons (one per machine) share this store; on one machine this table holds one row.

-- Every daemon that served this store. A daemon is alive while lease_until (ms since the epoch) is in the future;
-- it renews the lease every few seconds, and a machine that sleeps or dies drops out when the lease runs out.
CREATE TABLE daemons (
    daemon_id        TEXT    PRIMARY KEY,
    machine          TEXT    NOT NULL,
    home             TEXT    NOT NULL,
    pid              INTEGER NOT NULL,
    version          TEXT    NOT NULL,
    started_at       INTEGER NOT NULL,
    heartbeat_at     INTEGER NOT NULL,
    lease_until      INTEGER NOT NULL,
    lark_connection  TEXT    NOT NULL DEFAULT 'down'
);

-- The daemon a session is connected to (its stdio proxy's socket or its HTTP session); null before version 2.
ALTER TABLE sessions ADD COLUMN daemon_id TEXT;
