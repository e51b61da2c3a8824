-- lark-handoff store, schema version 1.
-- Times are milliseconds since the epoch (INTEGER, read as long). Booleans are 0/1. JSON is TEXT.

-- Every inbound Lark event, written before Lark is acknowledged. seq is the delivery order.
CREATE TABLE inbox (
    seq                   INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key            TEXT    NOT NULL UNIQUE,
    event_id              TEXT,
    event_type            TEXT    NOT NULL,
    message_id            TEXT,
    chat_id               TEXT,
    chat_type             TEXT,
    sender_open_id        TEXT,
    sender_type           TEXT,
    message_type          TEXT,
    raw_payload           TEXT    NOT NULL,
    normalized_text       TEXT,
    lark_create_time      INTEGER,
    received_at           INTEGER NOT NULL,
    delivery_state        TEXT    NOT NULL DEFAULT 'pending'
                                  CHECK (delivery_state IN ('pending', 'delivered', 'filtered')),
    target_session_id     TEXT,
    delivered_to_session  TEXT,
    delivered_at          INTEGER,
    filter_reason         TEXT
);
CREATE INDEX inbox_pending_in_order ON inbox (seq) WHERE delivery_state = 'pending';
CREATE INDEX inbox_by_chat ON inbox (chat_id, seq);
CREATE INDEX inbox_by_message ON inbox (message_id);
CREATE INDEX inbox_by_received_at ON inbox (received_at);

-- Agent sessions that registered with the daemon (stdio proxies and HTTP MCP clients).
CREATE TABLE sessions (
    session_id      TEXT    PRIMARY KEY,
    role            TEXT    NOT NULL CHECK (role IN ('dispatcher', 'session')),
    metadata_json   TEXT    NOT NULL DEFAULT '{}',
    delivery_mode   TEXT    NOT NULL CHECK (delivery_mode IN ('push', 'pull')),
    pid             INTEGER,
    client_version  TEXT,
    first_seen_at   INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    connected       BOOLEAN NOT NULL DEFAULT 0 CHECK (connected IN (0, 1))
);

-- Who owns channel delivery: exactly one row. lease_epoch grows by one per real change of owner.
CREATE TABLE channel_state (
    id                     INTEGER PRIMARY KEY CHECK (id = 1),
    owner_session_id       TEXT,
    dispatcher_session_id  TEXT,
    granted_session_id     TEXT,
    lease_epoch            INTEGER NOT NULL DEFAULT 0 CHECK (lease_epoch >= 0),
    updated_at             INTEGER NOT NULL
);
INSERT INTO channel_state (id, lease_epoch, updated_at) VALUES (1, 0, 0);

-- Every change of channel_state, for audit.
CREATE TABLE ownership_log (
    seq                    INTEGER PRIMARY KEY AUTOINCREMENT,
    action                 TEXT    NOT NULL,
    caller_session_id      TEXT,
    old_owner_session_id   TEXT,
    new_owner_session_id   TEXT,
    old_epoch              INTEGER NOT NULL,
    new_epoch              INTEGER NOT NULL,
    old_granted_session_id TEXT,
    new_granted_session_id TEXT,
    dispatcher_session_id  TEXT,
    reason                 TEXT,
    changed_at             INTEGER NOT NULL,
    CHECK (new_epoch = old_epoch OR new_epoch = old_epoch + 1)
);

-- A handoff ties one chat to one session (and a session to one chat).
CREATE TABLE handoff_bindings (
    chat_id                     TEXT    PRIMARY KEY,
    session_id                  TEXT    NOT NULL UNIQUE
                                        REFERENCES sessions (session_id) ON DELETE CASCADE,
    operator_open_id            TEXT    NOT NULL DEFAULT '',
    bot_open_id                 TEXT    NOT NULL DEFAULT '',
    need_mention                BOOLEAN NOT NULL DEFAULT 0 CHECK (need_mention IN (0, 1)),
    model                       TEXT,
    tool                        TEXT,
    activated_at                INTEGER NOT NULL,
    last_consumed_message_time  INTEGER
);

-- A group's settings, cached from the pinned config card that carries them across machines.
CREATE TABLE chat_config (
    chat_id                 TEXT    PRIMARY KEY,
    filter_level            TEXT    NOT NULL DEFAULT 'concise'
                                    CHECK (filter_level IN ('concise', 'important', 'verbose')),
    autoapprove             BOOLEAN NOT NULL DEFAULT 0 CHECK (autoapprove IN (0, 1)),
    norms                   TEXT    NOT NULL DEFAULT '',
    pinned_card_message_id  TEXT,
    cached_at               INTEGER NOT NULL
);

-- People other than the operator who may talk to the agent in a chat.
CREATE TABLE chat_members (
    chat_id    TEXT    NOT NULL,
    open_id    TEXT    NOT NULL,
    name       TEXT,
    role       TEXT    NOT NULL CHECK (role IN ('guest', 'coowner')),
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (chat_id, open_id)
);

-- Every message the bot sent: parent lookup, reaction routing, the working card's life.
CREATE TABLE sent_messages (
    message_id  TEXT    PRIMARY KEY,
    chat_id     TEXT    NOT NULL,
    session_id  TEXT,
    kind        TEXT    NOT NULL DEFAULT 'message',
    title       TEXT,
    text        TEXT,
    sent_at     INTEGER NOT NULL
);
CREATE INDEX sent_messages_by_chat ON sent_messages (chat_id, sent_at);

-- Tool-permission questions put to a chat, and how they were answered.
CREATE TABLE permission_requests (
    request_id          TEXT    PRIMARY KEY,
    session_id          TEXT    REFERENCES sessions (session_id) ON DELETE SET NULL,
    chat_id             TEXT    NOT NULL,
    tool_name           TEXT    NOT NULL,
    description         TEXT,
    card_message_id     TEXT,
    state               TEXT    NOT NULL DEFAULT 'pending'
                                CHECK (state IN ('pending', 'decided', 'expired', 'cancelled')),
    decision            TEXT    CHECK (decision IN ('allow', 'allow_always', 'deny')),
    decided_by_open_id  TEXT,
    created_at          INTEGER NOT NULL,
    decided_at          INTEGER,
    CHECK ((state = 'decided') = (decision IS NOT NULL))
);
CREATE INDEX permission_requests_pending ON permission_requests (chat_id) WHERE state = 'pending';

-- Small key/value settings.
CREATE TABLE settings (
    key         TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);
