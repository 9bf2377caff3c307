-- PostgreSQL dialect of migrations/0012_item_batches.sql (see that file for the meaning).
CREATE TABLE item_batches (
    inbox_id BIGINT  NOT NULL,
    pos      INTEGER NOT NULL,
    item_id  BIGINT  NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    PRIMARY KEY (inbox_id, pos)
);
CREATE INDEX item_batches_item ON item_batches (item_id);
