-- PostgreSQL dialect of migrations/0007_heartbeat_identity.sql (see that file).
-- db_path: on PostgreSQL, the DB_URL without its password.
ALTER TABLE heartbeats ADD COLUMN instance_id TEXT;
ALTER TABLE heartbeats ADD COLUMN db_path TEXT;
