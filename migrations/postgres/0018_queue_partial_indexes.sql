-- PostgreSQL dialect of migrations/0018_queue_partial_indexes.sql (see that file).
DROP INDEX inbox_ready;
CREATE INDEX inbox_ready ON inbox_queue (status, next_attempt_at, id)
    WHERE status = 'NEW' OR status = 'CLAIMED';
DROP INDEX inbox_chat;
CREATE INDEX inbox_chat ON inbox_queue (chat_id, status)
    WHERE status = 'NEW' OR status = 'CLAIMED';
DROP INDEX outbox_chat_sent;
CREATE INDEX outbox_chat_sent ON outbox (chat_id, sent_at) WHERE sent_at IS NOT NULL;
