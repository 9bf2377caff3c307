-- Reminders and the daily agenda (issue 10). Times are UTC text (organizer.model.to_db).
--
-- One row per message the scheduler will send: an item's reminder for one occurrence
-- (kind task | meeting), a snoozed repeat of it (kind snooze, seq 1, 2, …), or a
-- chat's daily agenda (kind agenda, item_id NULL). The scheduler tick finds due rows
-- with the (status, due_at) index and, in one transaction, writes each to the outbox
-- with dedup_key 'remind:<id>' (agenda: 'agenda:<chat_id>:<local_date>') and marks it
-- SENT, so a row is never sent twice and one due while everything was down is sent
-- once on recovery (late = 1).
CREATE TABLE reminders (
    id            INTEGER PRIMARY KEY,
    item_id       INTEGER REFERENCES items (id) ON DELETE CASCADE,
    chat_id       INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('task', 'meeting', 'agenda', 'snooze')),
    -- the item occurrence this reminds of (its start, UTC); agenda: the agenda moment
    occurrence_at TEXT NOT NULL,
    -- 0: the occurrence's own reminder; 1, 2, …: snoozed repeats of it
    seq           INTEGER NOT NULL DEFAULT 0,
    -- agenda only: the chat's local date it covers (YYYY-MM-DD)
    local_date    TEXT,
    due_at        TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'PENDING'
                  CHECK (status IN ('PENDING', 'SENT', 'CANCELLED')),
    sent_at       TEXT,
    late          INTEGER NOT NULL DEFAULT 0,
    outbox_id     INTEGER REFERENCES outbox (id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK ((kind = 'agenda') = (item_id IS NULL)),
    CHECK ((kind = 'agenda') = (local_date IS NOT NULL))
);
-- The tick's one query: WHERE status = 'PENDING' AND due_at <= now ORDER BY due_at.
CREATE INDEX reminders_due ON reminders (status, due_at);
-- A reminder for one item occurrence exists once (NULL item_id rows are agenda rows).
CREATE UNIQUE INDEX reminders_item_occurrence ON reminders (item_id, occurrence_at, seq);
-- A chat's agenda is planned (and sent) once per local day.
CREATE UNIQUE INDEX reminders_agenda_day ON reminders (chat_id, local_date)
    WHERE kind = 'agenda';
CREATE INDEX reminders_chat ON reminders (chat_id, status);
