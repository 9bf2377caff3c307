-- The Telegram bot (issue 7): its own state, stranger refusals, delivery progress.

-- Small key/value state of the bot process. 'tg_offset': the next getUpdates offset,
-- written after the updates below it were committed to inbox_queue, so a restart does
-- not ask Telegram for them again (a re-delivery would be a no-op anyway).
CREATE TABLE bot_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- "At most one polite refusal per day" memory for people not on the allow-list.
-- `who` is a salted hash (instance id + user id), not the user id: nothing of a
-- stranger is stored. Rows older than today are overwritten in place.
CREATE TABLE bot_refusals (
    who TEXT PRIMARY KEY,
    day TEXT NOT NULL             -- UTC date YYYY-MM-DD of the last refusal
);

-- Long texts go out as several messages; parts_sent lets a retried row resume after
-- the parts Telegram already has instead of sending them twice.
ALTER TABLE outbox ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;

-- Delivery keeps each chat's messages in order: "is there an earlier undelivered row
-- in this chat?" is answered by this index.
CREATE INDEX outbox_chat ON outbox (chat_id, status, id);
