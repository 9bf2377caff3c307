-- PostgreSQL dialect of migrations/0004_bot.sql (see that file for the meaning).
CREATE TABLE bot_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE bot_refusals (
    who TEXT PRIMARY KEY,
    day TEXT NOT NULL
);
ALTER TABLE outbox ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_chat ON outbox (chat_id, status, id);
