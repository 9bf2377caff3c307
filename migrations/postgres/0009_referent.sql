-- PostgreSQL dialect of migrations/0009_referent.sql (see that file for the meaning).
CREATE TABLE referent (
    chat_id BIGINT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    cause   TEXT   NOT NULL,
    at      TEXT   NOT NULL,
    PRIMARY KEY (chat_id, item_id)
);
