-- Issue 16: several items in one message ("в понедельник в 10 планёрка и в среду в 10
-- планёрка"). items.inbox_id is UNIQUE, so only the first item of a message carries its
-- inbox row; this table lists all of them in the order said, so the reply's Undo buttons
-- can show the whole list again after one of them is pressed (organizer.pipeline.multi).
CREATE TABLE item_batches (
    inbox_id INTEGER NOT NULL,
    pos      INTEGER NOT NULL,
    item_id  INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    PRIMARY KEY (inbox_id, pos)
);
CREATE INDEX item_batches_item ON item_batches (item_id);
