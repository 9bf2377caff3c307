-- PostgreSQL dialect of migrations/0008_delivery_claims.sql (see that file).
ALTER TABLE outbox ADD COLUMN unconfirmed_at TEXT;
ALTER TABLE items ADD COLUMN cal_claimed_by TEXT;
ALTER TABLE items ADD COLUMN cal_lease_until TEXT;
