-- PostgreSQL dialect of migrations/0010_clarify_shown_by.sql (see that file).
ALTER TABLE clarify ADD COLUMN shown_by TEXT;
