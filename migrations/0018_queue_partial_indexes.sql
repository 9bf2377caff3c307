-- Issue 19 (one SQLite worker faster): the queue's indexes hold only the rows still to
-- do. A row leaving CLAIMED for DONE used to be moved to the DONE end of both indexes
-- (an index page more written to the log per message, and indexes that grow with
-- history); now it only leaves them. Every query that finds work names
-- status = 'NEW' or status = 'CLAIMED', and SQLite's planner proves a partial index
-- usable from `status = 'NEW'` only when the index's WHERE is written as an OR of
-- equalities (not IN). Queries over DONE/FAILED rows (diag, metrics, report) read the
-- table, as most of it is DONE rows anyway.
DROP INDEX inbox_ready;
CREATE INDEX inbox_ready ON inbox_queue (status, next_attempt_at, id)
    WHERE status = 'NEW' OR status = 'CLAIMED';
DROP INDEX inbox_chat;
CREATE INDEX inbox_chat ON inbox_queue (chat_id, status)
    WHERE status = 'NEW' OR status = 'CLAIMED';

-- The outbox's pacing index (0014) holds sent rows only: a reply is inserted unsent, so
-- the worker's INSERT no longer writes it (an index page less per message); the
-- sender's `p.sent_at > ?` implies sent_at IS NOT NULL, so its lookup still uses it.
DROP INDEX outbox_chat_sent;
CREATE INDEX outbox_chat_sent ON outbox (chat_id, sent_at) WHERE sent_at IS NOT NULL;
