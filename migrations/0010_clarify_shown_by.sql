-- Issue 16 #12: a clarifying question asked before a restart is shown again once.
-- The worker process (organizer.pipeline.lists.PROCESS) that last showed the chat's
-- open question; NULL: shown before this column existed. A message that leaves the
-- question open gets it repeated under its reply when another process showed it.
ALTER TABLE clarify ADD COLUMN shown_by TEXT;
