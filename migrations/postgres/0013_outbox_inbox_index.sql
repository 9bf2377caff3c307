-- PostgreSQL dialect of migrations/0013_outbox_inbox_index.sql (see that file).
CREATE INDEX outbox_inbox ON outbox (inbox_id);
