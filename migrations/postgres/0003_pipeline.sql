-- PostgreSQL dialect of migrations/0003_pipeline.sql (see that file for the meaning).
ALTER TABLE clarify ADD COLUMN purpose TEXT NOT NULL DEFAULT 'complete'
    CHECK (purpose IN ('complete', 'reschedule'));
ALTER TABLE clarify ADD COLUMN asks INTEGER NOT NULL DEFAULT 1;
ALTER TABLE clarify ADD COLUMN lang TEXT;
ALTER TABLE items ADD COLUMN lang TEXT;
