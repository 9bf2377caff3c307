-- Issue 19: several bots deliver one outbox (webhook mode, or PostgreSQL with bots on
-- several machines). A send is TAKEN by one sender before its request goes out
-- (PENDING → SENDING with claimed_by = that sender and lease_until = when its claim
-- lapses), in one conditional UPDATE. The sender renews the lease while the request is
-- in flight; a row whose lease has lapsed belonged to a sender that died and is taken
-- back by a sibling (organizer.db.outbox.take_back). Every outcome is recorded only by
-- the sender that holds the claim, so a sender that lost its claim never overwrites the
-- sibling's. NULL lease_until on a SENDING row: marked by an older version (lapsed).
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until TEXT;

-- Telegram's 1 message per second per chat holds across bots too: a chat's next send is
-- not claimed within CHAT_GAP_S of its last one, whichever bot sent it. This index
-- finds a chat's latest sends without reading its whole history.
CREATE INDEX outbox_chat_sent ON outbox (chat_id, sent_at);
