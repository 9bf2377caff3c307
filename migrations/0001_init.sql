-- organizer schema v1. Times are UTC ISO-8601 text (see organizer.model.to_db);
-- `tz` beside a time is the IANA zone of the wall time it came from.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per incoming Telegram message, button press, chat line or API submission.
CREATE TABLE inbox_queue (
    id              INTEGER PRIMARY KEY,
    source          TEXT NOT NULL DEFAULT 'telegram',  -- telegram | chat | api
    chat_id         INTEGER NOT NULL,
    user_id         INTEGER,
    -- e.g. 'tg:msg:<chat>:<message_id>', 'tg:cb:<callback_query_id>': a re-delivered
    -- update hits this key and becomes a no-op.
    message_key     TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,                     -- text | voice | callback | command
    payload         TEXT NOT NULL DEFAULT '{}',        -- JSON
    status          TEXT NOT NULL DEFAULT 'NEW'
                    CHECK (status IN ('NEW', 'CLAIMED', 'DONE', 'FAILED')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    max_attempts    INTEGER NOT NULL DEFAULT 5,
    claimed_by      TEXT,
    lease_until     TEXT,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    done_at         TEXT
);
CREATE INDEX inbox_ready ON inbox_queue (status, next_attempt_at, id);
CREATE INDEX inbox_chat ON inbox_queue (chat_id, status);

-- Tasks, meetings, notes. inbox_id is UNIQUE: reprocessing a message never makes a
-- second item. attempts / next_attempt_at / last_error belong to calendar sync.
CREATE TABLE items (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL,
    inbox_id        INTEGER UNIQUE REFERENCES inbox_queue (id) ON DELETE SET NULL,
    type            TEXT NOT NULL CHECK (type IN ('task', 'meeting', 'note')),
    title           TEXT,
    status          TEXT NOT NULL DEFAULT 'OPEN'
                    CHECK (status IN ('DRAFT', 'OPEN', 'DONE', 'CANCELLED')),
    start_at        TEXT,
    end_at          TEXT,
    all_day         INTEGER NOT NULL DEFAULT 0,
    rrule           TEXT,
    tz              TEXT NOT NULL,
    source_text     TEXT,
    -- NONE: not a calendar item; LOCAL: CALENDAR_BACKEND=none; PENDING: to push
    -- (cal_op says upsert or delete); SYNCED; FAILED after the retry budget.
    cal_state       TEXT NOT NULL DEFAULT 'NONE'
                    CHECK (cal_state IN ('NONE', 'LOCAL', 'PENDING', 'SYNCED', 'FAILED')),
    cal_op          TEXT CHECK (cal_op IN ('upsert', 'delete')),
    cal_uid         TEXT,
    cal_event_id    TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX items_chat ON items (chat_id, status, start_at);
CREATE INDEX items_cal ON items (cal_state, next_attempt_at);

-- Replies for the bot to deliver. dedup_key makes "the reply to inbox row N" unique,
-- so a message processed twice is answered once.
CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY,
    chat_id             INTEGER NOT NULL,
    kind                TEXT NOT NULL DEFAULT 'send'
                        CHECK (kind IN ('send', 'edit', 'callback_answer')),
    dedup_key           TEXT UNIQUE,
    text                TEXT,
    parse_mode          TEXT,
    reply_markup        TEXT,              -- JSON inline keyboard
    target_message_id   INTEGER,           -- edit: the Telegram message to edit
    target_outbox_id    INTEGER REFERENCES outbox (id),  -- edit: a message we sent
    callback_query_id   TEXT,
    item_id             INTEGER REFERENCES items (id) ON DELETE SET NULL,
    inbox_id            INTEGER REFERENCES inbox_queue (id) ON DELETE SET NULL,
    status              TEXT NOT NULL DEFAULT 'PENDING'
                        CHECK (status IN ('PENDING', 'SENDING', 'SENT', 'FAILED')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     TEXT NOT NULL,
    last_error          TEXT,
    tg_message_id       INTEGER,
    created_at          TEXT NOT NULL,
    sent_at             TEXT
);
CREATE INDEX outbox_ready ON outbox (status, next_attempt_at, id);

-- The open clarifying question of a chat (at most one).
CREATE TABLE clarify (
    chat_id     INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    missing     TEXT NOT NULL,          -- JSON list: date, time, title
    inbox_id    INTEGER,                -- the message that asked
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX clarify_expiry ON clarify (expires_at);

-- Per-chat settings (time zone, language, agenda time, reminder lead).
CREATE TABLE users (
    chat_id           INTEGER PRIMARY KEY,
    user_id           INTEGER,
    tz                TEXT,
    lang              TEXT,
    agenda_time       TEXT,
    reminder_lead_min INTEGER,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

-- Each running service's last beat. service_id is '<service>@<host>:<pid>'.
CREATE TABLE heartbeats (
    service_id  TEXT PRIMARY KEY,
    service     TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    host        TEXT NOT NULL,
    version     TEXT NOT NULL,
    status      TEXT,
    started_at  TEXT NOT NULL,
    beat_at     TEXT NOT NULL,
    stopped_at  TEXT
);
