-- Issue 17: at-least-once replies and calendar sync claims.

-- When a send's outcome first became unknown (the answer was lost, or the bot died
-- with the request in flight). Such a send is repeated (at-least-once), but only within
-- organizer.db.outbox.RESEND_WINDOW_S of this time; NULL: every attempt so far was
-- answered. Kept after SENT, so the operator can tell a possible duplicate.
ALTER TABLE outbox ADD COLUMN unconfirmed_at TEXT;

-- A calendar sync claims its item before the remote call (one short transaction), so
-- that two syncers (two workers, or a repair run beside the worker) never work one item
-- at the same time. A crashed syncer's claim lapses at cal_lease_until.
ALTER TABLE items ADD COLUMN cal_claimed_by TEXT;
ALTER TABLE items ADD COLUMN cal_lease_until TEXT;
