-- Issue 19: every handled message asks "does this inbox row already have a reply?"
-- (items.answered: SELECT 1 FROM outbox WHERE inbox_id = ?). Without an index that
-- was a scan of the whole outbox, growing with every reply ever sent.
CREATE INDEX outbox_inbox ON outbox (inbox_id);
