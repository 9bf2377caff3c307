-- Split-database detection (issue 17): each heartbeat names the database its service
-- opened. instance_id is meta.instance_id as the service read it at start; db_path the
-- resolved absolute path of the file it opened. Services sharing one file record the
-- same pair, so a row whose pair differs from the database it sits in (a copy, a moved
-- file) and an expected service with no fresh row (it writes to another file) both show
-- in /health, `organizer diag health` and `organizer doctor`. NULL: a row written before
-- this migration (nothing to compare).
ALTER TABLE heartbeats ADD COLUMN instance_id TEXT;
ALTER TABLE heartbeats ADD COLUMN db_path TEXT;
