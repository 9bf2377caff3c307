-- PostgreSQL dialect of migrations/0014_outbox_claims.sql (see that file).
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until TEXT;
CREATE INDEX outbox_chat_sent ON outbox (chat_id, sent_at);
